/**
 * The host of a URL as the operator's view shows where something goes (a webhook URL's path is its secret); ''
 * for a URL that cannot be read.
 */
export function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return ''
  }
}
