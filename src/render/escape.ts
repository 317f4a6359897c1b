/**
 * Output safety for the Markdown and HTML reports. Every string that comes
 * from logs (session ids, project names, model names, file paths, prompt
 * text, diagnostic messages that quote them) passes through one of these
 * before it is concatenated into markup; numbers the renderer formats
 * itself do not need to.
 */

/**
 * C0/C1 control characters (tab, LF and CR excepted), and the Unicode bidi
 * embedding/override/isolate controls, which can make a session id display
 * as something else ("Trojan Source"). They carry no meaning in a report.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Lone UTF-16 surrogates: not encodable as UTF-8, replaced like the controls. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Replaces control, bidi-override and lone-surrogate characters with U+FFFD. */
export function stripUnsafeChars(text: string): string {
  return text.replace(UNSAFE_CHARS, '\ufffd').replace(LONE_SURROGATE, '\ufffd');
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML (and SVG) element content AND for quoted attribute
 * values (both quote styles), so one function serves both contexts. Unsafe
 * characters are replaced first. Never use the result in an unquoted
 * attribute, a URL, a `<script>` or a `<style>`.
 */
export function escapeHtml(text: string): string {
  return stripUnsafeChars(String(text)).replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] as string);
}

/** Same as {@link escapeHtml}; named for call sites that build attribute values. */
export const escapeAttr = escapeHtml;

/**
 * Serialises a value as JSON that is safe inside
 * `<script type="application/json">…</script>`: `<`, `>` and `&` become
 * `\u003c` `\u003e` `\u0026` (so neither `</script>` nor `<!--` can appear), and
 * U+2028/U+2029 are escaped for consumers that evaluate the text as JS, and
 * C1 controls and bidi overrides so that view-source shows them as escapes.
 * `JSON.parse` of the element's text gives back the original value.
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return json.replace(/[<>&\u2028\u2029\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Escapes log text for inline GitHub-flavoured Markdown (paragraphs, list
 * items and table cells): unsafe characters replaced, line breaks folded to a
 * space (a newline would end a table row), and every character Markdown or
 * inline HTML could act on backslash-escaped: `\` `` ` `` `*` `_` `[` `]` `<` `>`
 * `|` `~` `&` `!` `#`. The rendered text reads exactly like the input.
 */
export function escapeMarkdown(text: string): string {
  return stripUnsafeChars(String(text))
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(/[\\`*_[\]<>|~&!#]/g, (ch) => `\\${ch}`);
}

/**
 * Log text as a Markdown code span (for ids and paths, which read better in
 * monospace). The fence is one backtick longer than the longest run inside.
 * In a table cell `|` is escaped, because GFM splits cells on it even inside
 * code (and removes the backslash); elsewhere it must stay bare.
 */
export function markdownCode(text: string, inTableCell = false): string {
  let clean = stripUnsafeChars(String(text)).replace(/\r\n?|\n|\t/g, ' ');
  if (inTableCell) clean = clean.replace(/\|/g, '\\|');
  if (clean.length === 0) return '';
  let longest = 0;
  for (const run of clean.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') || (clean.startsWith(' ') && clean.endsWith(' ')) ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
