import { ForecastInputError } from '../contract';

/** Unusable input file or column. The message names the file, the place and the fix. */
export class DataInputError extends ForecastInputError {
  constructor(message: string) {
    super(message);
    this.name = 'DataInputError';
  }
}
