import { keaRequest, keaStatus, type KeaProgress } from './destinations/kea-steps'
import { nodeType } from './node-red/define-node'
import { keaInput } from './node-red/kea-input'
import { parseSubnets, secretOf } from './destinations/settings'
import { NotSentTally } from './node-red/not-sent-tally'

interface KeaConfig {
  url?: unknown
  user?: unknown
  passwordEnv?: unknown
  subnets?: unknown
  operationTarget?: 'alternate' | 'primary' | 'all' | ''
}

/**
 * `xo kea`: DHCP reservations in ISC Kea from a VM's VIFs. A change is several commands that must run in order
 * (delete, then add, for each MAC), each after the previous answer: output 1 goes to an http request node whose
 * answer comes back to this node, which checks it (Kea answers 200 even on failure) and sends the next command.
 * Output 2 gets the message once every command is answered (msg.xoKea.ok and results) or one has failed.
 */
export = nodeType<KeaConfig, { password?: string }>(
  'xo-kea',
  ({ node, config, t, refuse }) => {
    const url = typeof config.url === 'string' ? config.url.trim() : ''
    const user = typeof config.user === 'string' ? config.user.trim() : ''
    let subnets: Record<string, number>
    try {
      subnets = parseSubnets(config.subnets)
    } catch (error) {
      return refuse(`${t('errors.subnets')}: ${(error as Error).message}`)
    }
    const counts = { changes: 0, failed: 0 }
    const notSentTally = new NotSentTally(
      (reason, count) => t(`notSent.${reason}`, { count }),
      (line) => node.log(line),
    )
    const show = () => node.status(keaStatus(counts, notSentTally.suffix(), t))
    // The password is read for each command: a variable set later is used without a redeploy.
    const request = (msg: Record<string, unknown>, progress: KeaProgress) =>
      keaRequest(msg, progress, { url, user, password: secretOf(node.credentials?.password, config.passwordEnv) })

    node.on(
      'input',
      keaInput({
        url,
        subnets,
        operationTarget: config.operationTarget || undefined,
        counts,
        notSent: notSentTally,
        show,
        request,
        t,
      }),
    )
  },
  { credentials: { password: { type: 'password' } } },
)
