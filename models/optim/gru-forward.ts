/**
 * Plain-JS forward pass of a one-layer GRU (tfjs-layers convention, reset gate applied before
 * the recurrent matmul, `resetAfter: false`) followed by a dense layer. Forecasting and restored
 * models run through this, so they need no tfjs at all and take well under a millisecond.
 */

export interface GruWeights {
  units: number;
  inputDim: number;
  /** [inputDim x 3*units] row-major, gate order z, r, h. */
  kernel: number[];
  /** [units x 3*units] row-major. */
  recurrentKernel: number[];
  bias: number[];
  /** Dense head [units x outputs] row-major, and its bias. */
  denseKernel: number[];
  denseBias: number[];
  outputs: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Runs the GRU over `window` (timesteps x inputDim) and returns the dense outputs. */
export function gruForward(w: GruWeights, window: readonly (readonly number[])[]): number[] {
  const u = w.units;
  const u3 = 3 * u;
  let h = new Float64Array(u);
  const xProj = new Float64Array(u3);
  const inner = new Float64Array(2 * u);
  for (const x of window) {
    for (let j = 0; j < u3; j++) {
      let s = w.bias[j];
      for (let i = 0; i < w.inputDim; i++) s += x[i] * w.kernel[i * u3 + j];
      xProj[j] = s;
    }
    for (let j = 0; j < 2 * u; j++) {
      let s = 0;
      for (let i = 0; i < u; i++) s += h[i] * w.recurrentKernel[i * u3 + j];
      inner[j] = s;
    }
    const next = new Float64Array(u);
    const rh = new Float64Array(u);
    for (let i = 0; i < u; i++) rh[i] = sigmoid(xProj[u + i] + inner[u + i]) * h[i];
    for (let j = 0; j < u; j++) {
      const z = sigmoid(xProj[j] + inner[j]);
      let s = xProj[2 * u + j];
      for (let i = 0; i < u; i++) s += rh[i] * w.recurrentKernel[i * u3 + 2 * u + j];
      next[j] = z * h[j] + (1 - z) * Math.tanh(s);
    }
    h = next;
  }
  const out: number[] = [];
  for (let k = 0; k < w.outputs; k++) {
    let s = w.denseBias[k];
    for (let i = 0; i < u; i++) s += h[i] * w.denseKernel[i * w.outputs + k];
    out.push(s);
  }
  return out;
}
