/** Turns messages of the package's nodes into requests for Node-RED's http request node, and reads answers. */
export { summarizeMessage } from './event'
export { isXoEventSummary, type ObjectRef, type XoEventSummary } from './summary'
export { type DigestItem, isDigest, type XoDigest } from './digest-message'
export { jsonRequest, type HttpRequestMessage } from './request'
export { slackMessage } from './slack'
export { teamsMessage } from './teams'
export {
  pagerDutyDedupKey,
  pagerDutyEvent,
  pagerDutyRequest,
  type PagerDutyOptions,
  type PagerDutySeverity,
} from './pagerduty'
export { keaOutcome, keaReservationCommands, type KeaCommand, type KeaOptions } from './kea'
export { cloudEvent, structuredRequest, verifyStandardWebhook, type CloudEventOptions } from './cloudevents'
export { signStandardWebhook } from './signing'
export { ciVariables, githubDispatch, gitlabTrigger } from './ci'
export { haproxyServerState } from './haproxy'
export { backoffMs, classifyResponse, retryAfterMs, type Destination, type HttpResponse, type Outcome } from './outcome'
export { xoLink } from './links'
