/** The AWS Pulumi program of the `pulumi-aws` provisioner: tiered Auto Scaling Groups per region. */
export { tieredAsgProgram, tieredAsgProgramFromConfig, SPOT_ALLOCATION_STRATEGY, type TieredAsgOutputs } from './program';
export { awsSpecProblems, validateAwsSpec, AwsSpecError, type AwsServiceSpec, type AwsRegionSpec, type AwsComputeTypeSpec } from './spec';
export { asgName, groupTiers, launchTemplateName, parsePoolId, PRICINGS, type PoolId, type Pricing, type TierGroup } from './tiers';
