/**
 * The traces of `npm run bench:scaling` (all in ../shared/data). `reported`: the six issue-6
 * traces the targets are stated on. `development`: other shared series the planner's design was
 * tried on. Both sets were looked at while the planner was designed (BENCHMARKS.md says so), so
 * neither is clean held-out data; the maintainers check on traces no one here has seen.
 */
export interface Trace {
  name: string;
  file: string;
  valueCol?: string;
  agg?: number;
  aggFn?: 'sum' | 'mean';
  stepSeconds: number;
  bootSteps: number;
  set: 'reported' | 'development';
}

export const TRACES: Trace[] = [
  { name: 'nasa-http-1995 (1 min)', file: 'nasa_http_1995/workload.tbz2', agg: 60, aggFn: 'sum', stepSeconds: 60, bootSteps: 3, set: 'reported' },
  { name: 'nyc-taxi (30 min)', file: 'nab/realKnownCause/nyc_taxi.csv', stepSeconds: 1800, bootSteps: 1, set: 'reported' },
  { name: 'alibaba-2018 cpu (300 s)', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', valueCol: 'cpu_util_percent', stepSeconds: 300, bootSteps: 1, set: 'reported' },
  { name: 'alibaba-2018 cpu (30 s)', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_30_seconds.csv', valueCol: 'cpu_util_percent', stepSeconds: 30, bootSteps: 1, set: 'reported' },
  { name: 'nab elb requests (5 min)', file: 'nab/realAWSCloudwatch/elb_request_count_8c0756.csv', stepSeconds: 300, bootSteps: 1, set: 'reported' },
  { name: 'nab asg cpu (5 min)', file: 'nab/realKnownCause/cpu_utilization_asg_misconfiguration.csv', stepSeconds: 300, bootSteps: 1, set: 'reported' },
  { name: 'nab ec2 cpu 5f5533', file: 'nab/realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab ec2 cpu 825cc2', file: 'nab/realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab ec2 cpu 77c1ca', file: 'nab/realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab ec2 network in', file: 'nab/realAWSCloudwatch/ec2_network_in_257a54.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab rds cpu', file: 'nab/realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab grok asg', file: 'nab/realAWSCloudwatch/grok_asg_anomaly.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nab twitter AMZN', file: 'nab/realTweets/Twitter_volume_AMZN.csv', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'alibaba-2018 memory (300 s)', file: 'alibaba2018/machine_usage_days_1_to_8_grouped_300_seconds.csv', valueCol: 'mem_util_percent', stepSeconds: 300, bootSteps: 1, set: 'development' },
  { name: 'nasa-http-1995 (5 min)', file: 'nasa_http_1995/workload.tbz2', agg: 300, aggFn: 'sum', stepSeconds: 300, bootSteps: 1, set: 'development' },
];
