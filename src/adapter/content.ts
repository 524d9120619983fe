/**
 * Content parts (OpenAI) → content blocks (Anthropic). Blank text is dropped because the upstream rejects
 * empty text blocks; parts with no Anthropic equivalent (audio, file ids) are a 400, not a silent drop.
 */
import type {
  AnthropicContentBlockParam,
  AnthropicDocumentBlockParam,
  AnthropicImageBlockParam,
  AnthropicImageMediaType,
  AnthropicTextBlockParam,
} from '../wire/index.js';
import { describe, fail, field, isBlank, isObject, optString } from './check.js';

const IMAGE_TYPES: ReadonlyMap<string, AnthropicImageMediaType> = new Map([
  ['image/jpeg', 'image/jpeg'],
  ['image/jpg', 'image/jpeg'],
  ['image/png', 'image/png'],
  ['image/gif', 'image/gif'],
  ['image/webp', 'image/webp'],
]);

interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: string;
}

/** Parses `data:<media type>[;params][;base64],<data>` without a regex over a possibly huge payload. */
export function parseDataUrl(url: string): DataUrl | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma === -1) return null;
  const meta = url.slice(5, comma).split(';');
  return {
    mediaType: (meta[0] ?? '').trim().toLowerCase(),
    base64: meta.slice(1).some((p) => p.trim().toLowerCase() === 'base64'),
    data: url.slice(comma + 1),
  };
}

/**
 * A content part's `cache_control` (Anthropic's prompt-cache breakpoint, which some OpenAI clients already
 * send on parts) is kept on the block it becomes.
 */
export function withCacheControl<T extends AnthropicContentBlockParam>(
  block: T,
  part: unknown,
  param: string,
): T {
  if (!isObject(part)) return block;
  const raw = field(part, 'cache_control');
  if (raw === undefined || raw === null) return block;
  const ttl = isObject(raw) ? field(raw, 'ttl') : undefined;
  if (
    !isObject(raw) ||
    field(raw, 'type') !== 'ephemeral' ||
    (ttl !== undefined && ttl !== '5m' && ttl !== '1h')
  ) {
    fail(
      `${param}.cache_control`,
      `${param}.cache_control must be {"type": "ephemeral"} with an optional "ttl" of "5m" or "1h".`,
    );
  }
  if (block.type === 'thinking' || block.type === 'redacted_thinking') return block;
  return { ...block, cache_control: ttl === undefined ? { type: 'ephemeral' } : { type: 'ephemeral', ttl } };
}

/** A string or an array of text parts → text blocks (system, developer, tool and assistant messages). */
export function textBlocks(content: unknown, param: string): AnthropicTextBlockParam[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    fail(param, `${param} must be a string or an array of content parts, got ${describe(content)}.`);
  const blocks: AnthropicTextBlockParam[] = [];
  for (let i = 0; i < content.length; i++) {
    const part: unknown = content[i];
    const partParam = `${param}[${i}]`;
    if (!isObject(part)) fail(partParam, `${partParam} must be an object, got ${describe(part)}.`);
    const type = field(part, 'type');
    if (type === 'text') {
      const text = field(part, 'text');
      if (typeof text !== 'string') fail(`${partParam}.text`, `${partParam}.text must be a string.`);
      if (!isBlank(text)) blocks.push(withCacheControl({ type: 'text', text }, part, partParam));
    } else if (type === 'refusal') {
      // An assistant's earlier refusal is still what it said; keep it as text.
      const refusal = field(part, 'refusal');
      if (typeof refusal !== 'string') fail(`${partParam}.refusal`, `${partParam}.refusal must be a string.`);
      if (!isBlank(refusal)) blocks.push({ type: 'text', text: refusal });
    } else {
      fail(
        `${partParam}.type`,
        `${partParam}.type must be "text" here, got ${JSON.stringify(type) ?? 'nothing'}.`,
      );
    }
  }
  return blocks;
}

/** A user message's content → text, image and document blocks. */
export function userBlocks(content: unknown, param: string): AnthropicContentBlockParam[] {
  if (typeof content === 'string') return isBlank(content) ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content))
    fail(param, `${param} must be a string or an array of content parts, got ${describe(content)}.`);
  const blocks: AnthropicContentBlockParam[] = [];
  for (let i = 0; i < content.length; i++) {
    const block = userPart(content[i], `${param}[${i}]`);
    if (block !== null) blocks.push(withCacheControl(block, content[i], `${param}[${i}]`));
  }
  return blocks;
}

function userPart(part: unknown, param: string): AnthropicContentBlockParam | null {
  if (!isObject(part)) fail(param, `${param} must be an object, got ${describe(part)}.`);
  const type = field(part, 'type');
  switch (type) {
    case 'text': {
      const text = field(part, 'text');
      if (typeof text !== 'string') fail(`${param}.text`, `${param}.text must be a string.`);
      return isBlank(text) ? null : { type: 'text', text };
    }
    case 'image_url':
      return imageBlock(field(part, 'image_url'), `${param}.image_url`);
    case 'file':
      return fileBlock(field(part, 'file'), `${param}.file`);
    case 'input_audio':
      return fail(`${param}.input_audio`, `${param}: input_audio content parts are not supported by Claude.`);
    default:
      return fail(
        `${param}.type`,
        `${param}.type ${JSON.stringify(type) ?? '(missing)'} is not supported; use "text", "image_url" or "file".`,
      );
  }
}

export function imageBlock(raw: unknown, param: string): AnthropicImageBlockParam {
  // Some clients send `image_url` as a bare string; accept it.
  const url = typeof raw === 'string' ? raw : isObject(raw) ? field(raw, 'url') : undefined;
  if (typeof url !== 'string' || url.length === 0) fail(param, `${param}.url must be a non-empty string.`);
  const dataUrl = parseDataUrl(url);
  if (dataUrl !== null) {
    const mediaType = IMAGE_TYPES.get(dataUrl.mediaType);
    if (mediaType === undefined) {
      fail(
        param,
        `${param}: image type "${dataUrl.mediaType}" is not supported; use JPEG, PNG, GIF or WebP.`,
      );
    }
    if (!dataUrl.base64) fail(param, `${param}: a data URL image must be base64-encoded.`);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: dataUrl.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  return fail(param, `${param}.url must be an http(s) URL or a base64 data URL.`);
}

export function fileBlock(raw: unknown, param: string): AnthropicDocumentBlockParam {
  if (!isObject(raw)) fail(param, `${param} must be an object, got ${describe(raw)}.`);
  const fileData = optString(raw, 'file_data', `${param}.file_data`);
  const filename = optString(raw, 'filename', `${param}.filename`);
  if (fileData === undefined) {
    if (field(raw, 'file_id') !== undefined) {
      fail(
        `${param}.file_id`,
        `${param}.file_id is not supported (there is no Files API behind claudine); send file_data.`,
      );
    }
    fail(`${param}.file_data`, `${param}.file_data is required.`);
  }
  const title = filename !== undefined && filename.length > 0 ? { title: filename } : {};
  const dataUrl = parseDataUrl(fileData);
  let mediaType: string;
  let data: string;
  let base64: boolean;
  if (dataUrl !== null) {
    ({ mediaType, data, base64 } = dataUrl);
  } else {
    // Raw base64: the PDF magic number ("%PDF" → "JVBER") or the file name tells what it is.
    data = fileData;
    base64 = true;
    const lower = filename?.toLowerCase() ?? '';
    if (data.startsWith('JVBER') || lower.endsWith('.pdf')) mediaType = 'application/pdf';
    else if (/\.(txt|text|md|markdown|csv|log)$/.test(lower)) mediaType = 'text/plain';
    else
      fail(
        `${param}.file_data`,
        `${param}.file_data: cannot tell the file type; send a data URL (application/pdf or text/plain).`,
      );
  }
  if (mediaType === 'application/pdf') {
    if (!base64) fail(`${param}.file_data`, `${param}.file_data: a PDF must be base64-encoded.`);
    return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data }, ...title };
  }
  if (mediaType === 'text/plain' || mediaType.startsWith('text/plain')) {
    let text: string;
    if (base64) text = Buffer.from(data, 'base64').toString('utf8');
    else {
      try {
        text = decodeURIComponent(data);
      } catch {
        fail(`${param}.file_data`, `${param}.file_data is not a valid percent-encoded data URL.`);
      }
    }
    return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title };
  }
  return fail(
    `${param}.file_data`,
    `${param}.file_data: file type "${mediaType}" is not supported; use application/pdf or text/plain.`,
  );
}
