import type { LoadOptions } from '../../models/data';

/** The 13 shared series of the forecasting benchmarks, at a 1-hour horizon (issue 4 protocol). */
export interface ForecastCase {
  file: string;
  load: LoadOptions;
  /** Horizon (1 hour) and MASE season (1 day) in prepared steps. */
  horizon: number;
  season: number;
  /** Seconds per prepared step. */
  stepSeconds: number;
}

const nab5 = (f: string): ForecastCase => ({ file: `nab/${f}`, load: {}, horizon: 12, season: 288, stepSeconds: 300 });
export const FORECAST_CASES: ForecastCase[] = [
  nab5('realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv'),
  nab5('realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv'),
  nab5('realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv'),
  nab5('realAWSCloudwatch/elb_request_count_8c0756.csv'),
  nab5('realAWSCloudwatch/ec2_network_in_257a54.csv'),
  nab5('realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv'),
  nab5('realAWSCloudwatch/grok_asg_anomaly.csv'),
  nab5('realKnownCause/cpu_utilization_asg_misconfiguration.csv'),
  { file: 'nab/realKnownCause/nyc_taxi.csv', load: {}, horizon: 2, season: 48, stepSeconds: 1800 },
  nab5('realTweets/Twitter_volume_AMZN.csv'),
  { file: 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', load: { valueCol: 'cpu_util_percent', stepSeconds: 300 }, horizon: 12, season: 288, stepSeconds: 300 },
  { file: 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', load: { valueCol: 'mem_util_percent', stepSeconds: 300 }, horizon: 12, season: 288, stepSeconds: 300 },
  // NASA: 1 request count per second → 5-minute sums (the README advises aggregating first).
  { file: 'nasa_http_1995/workload.tbz2', load: { agg: 300, aggFn: 'sum', stepSeconds: 1 }, horizon: 12, season: 288, stepSeconds: 300 },
];

export function caseName(c: ForecastCase): string {
  return `${c.file.split('/').pop()}${c.load.valueCol ? `:${c.load.valueCol}` : ''}`;
}
