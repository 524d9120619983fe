/**
 * The Message Batches and Files APIs for the fake upstream, in memory and in Anthropic's wire format:
 * batch objects with an upstream `results_url`, JSONL results, multipart uploads, file metadata and
 * content. Everything else falls through to the fake's default handler. It records nothing itself: the
 * fake upstream already keeps every request byte for byte.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { defaultHandler, sendJson, type FakeHandler, type RecordedRequest } from './fake-upstream.js';

export interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly mimeType: string;
  readonly content: Buffer;
  readonly sha256: string;
}

export interface FakeAnthropicApi {
  readonly handler: FakeHandler;
  readonly files: Map<string, StoredFile>;
  readonly batches: Map<string, Record<string, unknown>>;
}

/** The file part of a multipart/form-data body: its bytes, name and type. */
export function multipartFile(
  body: Buffer,
  contentType: string,
): { filename: string; mimeType: string; content: Buffer } | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) return null;
  const delimiter = Buffer.from(`--${marker}`);
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2); // strip CRLF after delimiter and before next
    const headerEnd = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, headerEnd).toString('utf8');
    const filename = /filename="([^"]*)"/i.exec(head)?.[1];
    if (filename !== undefined && /name="file"/i.test(head)) {
      const mimeType = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1]?.trim() ?? 'application/octet-stream';
      return { filename, mimeType, content: Buffer.from(part.subarray(headerEnd + 4)) };
    }
    at = next;
  }
  return null;
}

const RESULTS_ORIGIN = 'https://api.anthropic.example';

function notFound(res: ServerResponse, what: string): void {
  sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `${what} not found` } });
}

export function fakeAnthropicApi(): FakeAnthropicApi {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, Record<string, unknown>>();
  const requestsOf = new Map<string, { custom_id: string }[]>();
  let seq = 0;

  const handler: FakeHandler = (req: RecordedRequest, res) => {
    const path = req.path.split('?', 1)[0] ?? '';
    const parts = path.split('/').slice(2); // after '', 'v1'
    if (parts[0] === 'messages' && parts[1] === 'batches') {
      const id = parts[2];
      if (id === undefined) {
        if (req.method === 'POST') {
          const body = req.json as { requests: { custom_id: string }[] };
          const batchId = `msgbatch_fake${String(++seq).padStart(4, '0')}`;
          const batch = {
            id: batchId,
            type: 'message_batch',
            processing_status: 'ended',
            request_counts: {
              processing: 0,
              succeeded: body.requests.length,
              errored: 0,
              canceled: 0,
              expired: 0,
            },
            ended_at: '2026-01-01T00:01:00Z',
            created_at: '2026-01-01T00:00:00Z',
            expires_at: '2026-01-02T00:00:00Z',
            archived_at: null,
            cancel_initiated_at: null,
            results_url: `${RESULTS_ORIGIN}/v1/messages/batches/${batchId}/results`,
          };
          batches.set(batchId, batch);
          requestsOf.set(batchId, body.requests);
          return sendJson(res, 200, batch);
        }
        const data = [...batches.values()];
        return sendJson(res, 200, {
          data,
          has_more: false,
          first_id: data[0]?.['id'] ?? null,
          last_id: data.at(-1)?.['id'] ?? null,
        });
      }
      const batch = batches.get(id);
      if (batch === undefined) return notFound(res, `batch ${id}`);
      if (parts[3] === 'cancel' && req.method === 'POST') {
        batch['cancel_initiated_at'] = '2026-01-01T00:00:30Z';
        return sendJson(res, 200, batch);
      }
      if (parts[3] === 'results') {
        res.writeHead(200, { 'content-type': 'application/binary', 'request-id': 'req_fake_results' });
        for (const request of requestsOf.get(id) ?? []) {
          res.write(
            `${JSON.stringify({
              custom_id: request.custom_id,
              result: {
                type: 'succeeded',
                message: {
                  id: `msg_${request.custom_id}`,
                  type: 'message',
                  role: 'assistant',
                  model: 'claude-sonnet-4-5',
                  content: [{ type: 'text', text: `answer to ${request.custom_id}` }],
                  stop_reason: 'end_turn',
                  stop_sequence: null,
                  usage: { input_tokens: 3, output_tokens: 4 },
                },
              },
            })}\n`,
          );
        }
        res.end();
        return;
      }
      if (req.method === 'DELETE') {
        batches.delete(id);
        return sendJson(res, 200, { id, type: 'message_batch_deleted' });
      }
      return sendJson(res, 200, batch);
    }
    if (parts[0] === 'files') {
      const id = parts[1];
      if (id === undefined) {
        if (req.method === 'POST') {
          const file = multipartFile(req.body, String(req.headers['content-type'] ?? ''));
          if (file === null)
            return sendJson(res, 400, {
              type: 'error',
              error: { type: 'invalid_request_error', message: 'no file part' },
            });
          const stored: StoredFile = {
            id: `file_fake${String(++seq).padStart(4, '0')}`,
            ...file,
            sha256: createHash('sha256').update(file.content).digest('hex'),
          };
          files.set(stored.id, stored);
          return sendJson(res, 200, metadata(stored));
        }
        const data = [...files.values()].map(metadata);
        return sendJson(res, 200, {
          data,
          has_more: false,
          first_id: data[0]?.id ?? null,
          last_id: data.at(-1)?.id ?? null,
        });
      }
      const file = files.get(id);
      if (file === undefined) return notFound(res, `file ${id}`);
      if (parts[2] === 'content') {
        res.writeHead(200, {
          'content-type': file.mimeType,
          'content-length': String(file.content.length),
          'content-disposition': `attachment; filename="${file.filename}"`,
          'request-id': 'req_fake_download',
        });
        res.end(file.content);
        return;
      }
      if (req.method === 'DELETE') {
        files.delete(id);
        return sendJson(res, 200, { id, type: 'file_deleted' });
      }
      return sendJson(res, 200, metadata(file));
    }
    // The default handler knows paths without their query string.
    return defaultHandler({ ...req, path }, res);
  };
  return { handler, files, batches };
}

function metadata(file: StoredFile): Record<string, unknown> & { id: string } {
  return {
    id: file.id,
    type: 'file',
    filename: file.filename,
    mime_type: file.mimeType,
    size_bytes: file.content.length,
    created_at: '2026-01-01T00:00:00Z',
    downloadable: true,
  };
}
