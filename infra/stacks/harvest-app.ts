/**
 * Wires the harvest stack and its compliance checks into an App. `infra/app.ts` (the CDK entry)
 * and the infra tests both go through here, so the tests check exactly what `cdk synth` builds.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HarvestStack, type HarvestStackProps } from './harvest-stack.js';

export type HarvestAppConfig = HarvestStackProps & { stackName?: string };

export function buildHarvestApp(app: App, config: HarvestAppConfig): HarvestStack {
  const stack = new HarvestStack(app, config.stackName ?? `Harvest-${config.stage}`, config);
  // cdk-nag 3 is a policy-validation plugin: it runs after synthesis and an unacknowledged
  // error-level finding fails `cdk synth`. Acknowledgements live next to the resources they
  // concern (Validations.of(construct).acknowledge), each with its reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
