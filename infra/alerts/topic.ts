/**
 * Where AWS alarms notify: an SNS topic ARN. The stack's own `alertSnsTopicArn` when it is in the alarm's Region; else,
 * when `alertEmail` is given, a topic this stack creates in that Region with an e-mail subscription (confirm it once: SNS
 * sends a "Subscription Confirmation" e-mail and delivers nothing until the link in it is followed,
 * https://docs.aws.amazon.com/sns/latest/dg/sns-email-notifications.html); else none.
 *
 * CloudWatch alarm actions name an SNS topic in the alarm's own Region (PutMetricAlarm `AlarmActions`,
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html: `arn:aws:sns:region:...`),
 * so an alarm in another Region (WAF for CloudFront lives in us-east-1) needs a topic there.
 *
 * The created topic's policy lets only CloudWatch alarms of this account publish (`cloudwatch.amazonaws.com` with
 * `aws:SourceAccount`, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
 * Budgets notify the e-mail address directly (infra/alerts/aws-budget.ts), not through this topic. A user's own
 * `alertSnsTopicArn` that budgets publish to must allow `budgets.amazonaws.com` to `SNS:Publish`
 * (https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html); this stack does not edit it.
 *
 * Costs nothing at alarm volumes: SNS e-mail notifications, first 1,000 a month free
 * (https://aws.amazon.com/sns/pricing/).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { topicRegion } from "../core/cost/guardrails.js";

/** Who gets notified; both undefined means nobody, and then no alarm is created. */
export interface AlertRecipients {
  /** An e-mail address (config `alertEmail`). */
  email: string | undefined;
  /** An existing SNS topic ARN (config `alertSnsTopicArn`). */
  snsTopicArn: string | undefined;
}

/**
 * The topic alarms in `region` notify.
 *
 * @param name - resource name prefix; children are `${name}-topic`, `${name}-topic-policy`, `${name}-email`.
 * @param region - the alarms' Region (the stack's `aws:region`, or us-east-1 for CloudFront's WAF).
 * @param stackRegion - the stack's `aws:region`: resources there take the provider's Region (no `region` argument).
 * @param tags - tags for the created topic.
 * @returns the topic ARN, or undefined when there is no recipient for this Region (no alarm then).
 */
export function alarmTopic(
  name: string,
  recipients: AlertRecipients,
  region: string,
  stackRegion: string,
  tags: Record<string, string>,
  parent: pulumi.Resource,
): pulumi.Input<string> | undefined {
  if (recipients.snsTopicArn !== undefined && topicRegion(recipients.snsTopicArn) === region)
    return recipients.snsTopicArn;
  if (recipients.email === undefined) return undefined;
  const regional = region === stackRegion ? {} : { region };
  const topic = new aws.sns.Topic(`${name}-topic`, { ...regional, tags }, { parent });
  const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
  new aws.sns.TopicPolicy(
    `${name}-topic-policy`,
    {
      ...regional,
      arn: topic.arn,
      policy: pulumi.all([topic.arn, account]).apply(([arn, acct]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudWatchAlarms",
              Effect: "Allow",
              Principal: { Service: "cloudwatch.amazonaws.com" },
              Action: "SNS:Publish",
              Resource: arn,
              Condition: { StringEquals: { "aws:SourceAccount": acct } },
            },
          ],
        }),
      ),
    },
    { parent },
  );
  new aws.sns.TopicSubscription(
    `${name}-email`,
    { ...regional, topic: topic.arn, protocol: "email", endpoint: recipients.email },
    { parent },
  );
  return topic.arn;
}
