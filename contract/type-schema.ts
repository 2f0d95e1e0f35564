/**
 * JSON Schema (draft 2020-12) from TypeScript types, read with the compiler's type checker: the
 * published schemas are derived from the same interfaces the workflow and the client compile
 * against, so they cannot drift apart. Covers what the decision contract uses: primitives,
 * literal unions, arrays, interfaces (as `$defs`), `Record<string, T>` and optional fields. JSDoc
 * text becomes `description`; `@pattern`, `@minimum` and `@maximum` tags become those keywords,
 * and `@integer` narrows a number to whole numbers.
 */
import ts from 'typescript';

export type JsonSchema = { [key: string]: unknown };

export class SchemaBuilder {
  private readonly checker: ts.TypeChecker;
  private readonly program: ts.Program;
  private defs: Record<string, JsonSchema> = {};

  constructor(files: string[]) {
    this.program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, skipLibCheck: true, noEmit: true });
    this.checker = this.program.getTypeChecker();
  }

  /** The schema of an exported interface or type alias of `file`, its named parts under `$defs`. */
  root(file: string, name: string, meta: { title: string; description: string }): JsonSchema {
    const source = this.program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not part of the program`);
    const symbol = this.checker.getExportsOfModule(this.checker.getSymbolAtLocation(source)!).find((s) => s.name === name);
    if (!symbol) throw new Error(`${file} exports no ${name}`);
    this.defs = {}; // each schema file carries only the definitions its type reaches
    this.named(this.checker.getDeclaredTypeOfSymbol(symbol), name);
    const { [name]: top, ...rest } = this.defs;
    return { $schema: 'https://json-schema.org/draft/2020-12/schema', title: meta.title, ...top, description: meta.description, ...(Object.keys(rest).length ? { $defs: sorted(rest) } : {}) };
  }

  private named(type: ts.Type, name: string): JsonSchema {
    if (!(name in this.defs)) {
      this.defs[name] = {}; // placeholder: recursive types refer to themselves
      this.defs[name] = this.object(type);
    }
    return { $ref: `#/$defs/${name}` };
  }

  private schema(type: ts.Type): JsonSchema {
    const f = type.flags;
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.StringLiteral) return { const: (type as ts.StringLiteralType).value };
    if (f & ts.TypeFlags.NumberLiteral) return { const: (type as ts.NumberLiteralType).value };
    if (f & ts.TypeFlags.BooleanLiteral) return { const: this.checker.typeToString(type) === 'true' };
    if (f & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return {};
    if (type.isUnion()) return this.union(type.types.filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Void))));
    if (this.checker.isArrayType(type)) return { type: 'array', items: this.schema(this.checker.getTypeArguments(type as ts.TypeReference)[0]) };
    if (f & ts.TypeFlags.Object) {
      const objectFlags = (type as ts.ObjectType).objectFlags;
      const name = type.aliasSymbol?.name ?? type.symbol?.name;
      // Interfaces and named aliases are shared definitions; anonymous shapes stay inline.
      if (objectFlags & ts.ObjectFlags.Interface && name) return this.named(type, name);
      if (type.aliasSymbol && !type.aliasTypeArguments && name) return this.named(type, name);
      return this.object(type);
    }
    throw new Error(`no JSON Schema for the type ${this.checker.typeToString(type)}`);
  }

  private union(types: ts.Type[]): JsonSchema {
    if (types.length === 1) return this.schema(types[0]);
    if (types.every((t) => t.flags & ts.TypeFlags.BooleanLiteral)) return { type: 'boolean' };
    if (types.every((t) => t.flags & ts.TypeFlags.StringLiteral)) return { type: 'string', enum: types.map((t) => (t as ts.StringLiteralType).value) };
    const bools = types.filter((t) => t.flags & ts.TypeFlags.BooleanLiteral);
    const others = types.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral)).map((t) => this.schema(t));
    return { anyOf: bools.length === 2 ? [...others, { type: 'boolean' }] : [...others, ...bools.map((t) => this.schema(t))] };
  }

  private object(type: ts.Type): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const prop of this.checker.getPropertiesOfType(type)) {
      const decl = prop.valueDeclaration ?? prop.declarations?.[0];
      const propType = decl ? this.checker.getTypeOfSymbolAtLocation(prop, decl) : this.checker.getTypeOfSymbol(prop);
      properties[prop.name] = { ...this.schema(propType), ...this.annotations(prop) };
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.push(prop.name);
    }
    const index = type.getStringIndexType();
    const out: JsonSchema = { type: 'object' };
    const doc = ts.displayPartsToString((type.aliasSymbol ?? type.symbol)?.getDocumentationComment(this.checker) ?? []);
    // Only our interfaces' own text (a mapped type like Partial<T> would bring the library's).
    if (doc && (type as ts.ObjectType).objectFlags & ts.ObjectFlags.Interface) out.description = doc;
    if (Object.keys(properties).length) out.properties = properties;
    if (required.length) out.required = required;
    if (index) out.additionalProperties = this.schema(index);
    return out;
  }

  private annotations(prop: ts.Symbol): JsonSchema {
    const out: JsonSchema = {};
    const doc = ts.displayPartsToString(prop.getDocumentationComment(this.checker));
    if (doc) out.description = doc;
    for (const tag of prop.getJsDocTags(this.checker)) {
      const text = ts.displayPartsToString(tag.text).trim();
      if (tag.name === 'pattern') out.pattern = text;
      if (tag.name === 'minimum' || tag.name === 'maximum') out[tag.name] = Number(text);
      if (tag.name === 'integer') out.type = 'integer';
    }
    return out;
  }
}

function sorted(defs: Record<string, JsonSchema>): Record<string, JsonSchema> {
  return Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
}
