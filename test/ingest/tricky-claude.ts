/**
 * A Claude Code session file holding, one line each, every kind of parser
 * state that can cross a cut (test/ingest/split.test.ts,
 * test/cli/ingest-split.test.ts).
 */
export const TRICKY_SID = 'aaaaaaaa-1111-4222-8333-444444444444';
const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const base = (type: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  parentUuid: null,
  isSidechain: false,
  sessionId: TRICKY_SID,
  cwd: '/home/u/proj',
  type,
  timestamp: '2026-01-01T10:00:00.000Z',
  ...extra,
});
const usage = (input: number, output: number, read = 0): Record<string, unknown> => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: read,
  cache_creation_input_tokens: 100,
  cache_creation: { ephemeral_5m_input_tokens: 40, ephemeral_1h_input_tokens: 60 },
});
const assistant = (req: string | null, msgId: string | null, u: Record<string, unknown>, extra: Record<string, unknown> = {}, model = 'claude-sonnet-4-5'): string =>
  line(base('assistant', { ...(req ? { requestId: req } : {}), message: { ...(msgId ? { id: msgId } : {}), model, role: 'assistant', usage: u, content: [{ type: 'text', text: 'ok' }] }, ...extra }));

/** Every kind of state that crosses a cut, one line each, with BOM, CRLF and blank lines. */
export function trickyText(lastTerminated: boolean): string {
  const L: string[] = [];
  L.push(`\uFEFF${line(base('user', { isMeta: true, message: { role: 'user', content: 'meta' } }))}`);
  L.push('');
  L.push('   \t');
  L.push(`${line(base('user', { message: { role: 'user', content: [{ type: 'tool_result', content: 'x' }] } }))}\r`);
  L.push(line(base('user', { message: { role: 'user', content: 'Fix the flaky test' } })));
  L.push(assistant('req_1', 'msg_1', usage(1, 2)));
  L.push(assistant('req_1', 'msg_1', usage(0, 0)));
  L.push(line(base('user', { message: { role: 'user', content: [{ type: 'tool_result', content: 'between' }] } })));
  L.push(assistant('req_1', 'msg_1', usage(5, 50, 1000)));
  L.push(line(base('user', { isSidechain: true, uuid: 'side-root-0001', parentUuid: null, message: { role: 'user', content: 'sub task' } })));
  L.push(assistant('req_s1', 'msg_s1', usage(3, 4), { isSidechain: true, uuid: 'side-child-001', parentUuid: 'side-root-0001' }));
  L.push('{"type":"assistant","message":{"usage":{"input_tokens":5}} trailing');
  L.push(line(base('system', { subtype: 'compact_boundary', compactMetadata: { trigger: 'auto', preTokens: 150000 } })));
  L.push(line(base('user', { isCompactSummary: true, message: { role: 'user', content: 'summary' } })));
  L.push(assistant('req_s2', 'msg_s2', usage(7, 8), { isSidechain: true, uuid: 'side-child-002', parentUuid: 'side-child-001' }));
  L.push(line(base('user', { isCompactSummary: true, message: { role: 'user', content: 'older summary' } })));
  L.push('[1,2,3]');
  L.push(assistant(null, null, usage(9, 9)));
  L.push(assistant('req_syn', 'msg_syn', usage(0, 0), {}, '<synthetic>'));
  L.push(line(base('system', { subtype: 'compact_boundary', compactMetadata: { trigger: 'manual' } })));
  L.push('');
  L.push(line(base('user', { isCompactSummary: true, message: { role: 'user', content: 'summary 2' } })));
  L.push(line(base('system', { subtype: 'compact_boundary' })));
  L.push(`\uFEFF${assistant('req_bom', 'msg_bom', usage(1, 1))}`);
  L.push(line(base('user', { isCompactSummary: true, message: { role: 'user', content: 'summary 3' } })));
  L.push(assistant('req_1', 'msg_1', usage(5, 50, 1000)));
  L.push(line(base('assistant', { requestId: 'req_bad', message: { id: 'm', model: 'claude-sonnet-4-5', usage: { input_tokens: -1 } } })));
  L.push(assistant('req_2', 'msg_2', usage(11, 12)));
  // Counts past 2^32 (packed records keep them wide), the request streamed over two lines.
  L.push(assistant('req_big', 'msg_big', usage(5_000_000_000, 1)));
  L.push(assistant('req_2', 'msg_2', usage(11, 13)));
  L.push(assistant('req_big', 'msg_big', usage(5_000_000_000, 2 ** 32, 7)));
  L.push(`${assistant('req_3', 'msg_3', usage(1, 1)).slice(0, 40)}`);
  return L.join('\n') + (lastTerminated ? '\n' : '');
}

