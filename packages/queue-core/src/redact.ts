/** What a secret is replaced with in logs and messages. */
export const REDACTED = "***";

/**
 * Text (an error message, a log line) with the password of every URL it quotes replaced:
 * `scheme://user:secret@host` → `scheme://user:***@host`. Secrets never reach logs or error messages.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]*@/gi, `$1${REDACTED}@`);
}
