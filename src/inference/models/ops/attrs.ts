// Readers for TF.js node attributes (strings are base64, ints are decimal strings).
import { AppError } from '../../../util/errors.ts';
import type { TfNode } from '../tfjs-graph.ts';

const decode = (s: string) => Buffer.from(s, 'base64').toString('utf8');

export function attrString(node: TfNode, key: string, fallback?: string): string {
  const s = node.attr[key]?.s;
  if (s !== undefined) return decode(s);
  if (fallback !== undefined) return fallback;
  throw unsupported(node, `attribute ${key} is missing`);
}

export function attrStrings(node: TfNode, key: string): string[] {
  return (node.attr[key]?.list?.s ?? []).map(decode);
}

export function attrInts(node: TfNode, key: string, fallback?: number[]): number[] {
  const list = node.attr[key]?.list?.i;
  if (list && list.length > 0) return list.map(Number);
  if (fallback) return fallback;
  throw unsupported(node, `attribute ${key} is missing`);
}

export function attrBool(node: TfNode, key: string, fallback = false): boolean {
  return node.attr[key]?.b ?? fallback;
}

export function attrFloat(node: TfNode, key: string, fallback: number): number {
  return node.attr[key]?.f ?? fallback;
}

/** Placeholder shape; -1 (unknown) becomes null. */
export function attrShape(node: TfNode, key = 'shape'): (number | null)[] | null {
  const shape = node.attr[key]?.shape;
  if (!shape || shape.unknownRank || !shape.dim) return null;
  return shape.dim.map((d) => {
    const n = Number(d.size ?? -1);
    return n < 0 ? null : n;
  });
}

export function unsupported(node: TfNode, why: string): AppError {
  return new AppError('MODEL_INVALID', `cannot convert node ${node.name} (${node.op}): ${why}`, {
    node: node.name,
    op: node.op,
  });
}

/** Only NHWC graphs are handled; TF.js exports them that way. */
export function requireNhwc(node: TfNode): void {
  const fmt = attrString(node, 'data_format', 'NHWC');
  if (fmt !== 'NHWC') throw unsupported(node, `data_format ${fmt} is not supported`);
}
