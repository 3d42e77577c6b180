// The text OT type: the published ot-text-unicode, wire-compatible with the server's (DESIGN.md §3).
import { type as textType } from 'ot-text-unicode';

export type TextOpComponent = number | string | { d: number | string };
export type TextOp = TextOpComponent[];

export const apply = (text: string, op: TextOp): string => textType.apply(text, op);
export const compose = (a: TextOp, b: TextOp): TextOp => textType.compose(a, b);
export const transform = (op: TextOp, other: TextOp, side: 'left' | 'right'): TextOp =>
  textType.transform(op, other, side);
export const normalize = (op: TextOp): TextOp => textType.normalize(op);
export const transformPosition = (position: number, op: TextOp): number => textType.transformPosition(position, op);
export const isNoop = (op: TextOp): boolean => op.length === 0;
