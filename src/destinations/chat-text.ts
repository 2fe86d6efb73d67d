import { truncate } from './text'

/** Slack mrkdwn control characters (`<!channel>`, links) must be escaped in any text that came from XO. */
export const escapeMrkdwn = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

// Cut first, escape after: escaping can only lengthen, and cutting an escaped text could split an entity.
export const mrkdwn = (text: string, max: number): string => escapeMrkdwn(truncate(text, max))

/**
 * `text` escaped and at most `max` characters once escaped (a limit of Slack's applies to what it receives): cut
 * shorter until the escaped text fits.
 */
export function fitMrkdwn(text: string, max: number): string {
  let cut = max
  let escaped = mrkdwn(text, cut)
  while (escaped.length > max) {
    cut = Math.floor(cut * 0.8)
    escaped = mrkdwn(text, cut)
  }
  return escaped
}

/**
 * Mattermost and Rocket.Chat notify on `@channel`, `@all`, `@here` or `@user` written anywhere in a webhook's
 * text: a VM named "@all" must not page everyone. A zero-width space after the @ keeps the text readable.
 */
export const noMentions = (text: string): string =>
  text.replace(/(^|[^\w.+-])@(?=[\w])/g, '$1@\u200b').replace(/<!/g, '<\u200b!')
