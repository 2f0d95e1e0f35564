import type { CliCommand } from '../command';
import { command as approve } from './approve';
import { command as audit } from './audit';
import { command as backtest } from './backtest';
import { command as budget } from './budget';
import { command as codecServer } from './codec-server';
import { command as dashboard } from './dashboard';
import { command as decide } from './decide';
import { command as demo } from './demo';
import { command as devServer } from './dev-server';
import { command as explain } from './explain';
import { command as fingerprints } from './fingerprints';
import { command as forecast } from './forecast';
import { command as loadProfile } from './load-profile';
import { command as loop } from './loop';
import { command as login } from './login';
import { command as m4 } from './m4';
import { command as models } from './models';
import { command as prices } from './prices';
import { command as reject } from './reject';
import { command as resolve } from './resolve';
import { command as schedules } from './schedules';
import { command as simulate } from './simulate';
import { command as status } from './status';
import { command as worker } from './worker';

/** Every `kinetic` sub-command, in the order `kinetic --help` lists them. */
export const COMMANDS: CliCommand[] = [demo, devServer, codecServer, worker, login, decide, approve, reject, resolve, status, explain, audit, budget, dashboard, prices, backtest, forecast, m4, simulate, loadProfile, loop, schedules, models, fingerprints];
