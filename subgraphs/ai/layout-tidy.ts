// The degraded layout: what can be done without a model, deterministically (the same slide always
// tidies the same way). Left edges that almost line up are lined up, positions and sizes snap to a
// grid, and everything is brought onto the slide. Text, styles and z-order are left alone; rotated
// elements are only kept on the slide (aligning a rotated box's unrotated edge looks wrong).
import { boxOf } from './layout-reply.js';
import type { Canvas, LayoutElement } from './layout-prompt.js';

/** A grid fine enough not to move anything visibly far, coarse enough to line things up. */
export const TIDY_GRID = 4;
/** Left edges this close are meant to be one edge. */
const ALIGN_WITHIN = 12;

export interface TidyResult {
  elements: LayoutElement[];
  description: string;
}

const snap = (value: number) => Math.round(value / TIDY_GRID) * TIDY_GRID;

export function tidyLayout(elements: readonly LayoutElement[], canvas: Canvas): TidyResult {
  const next = elements.map((e) => structuredClone(e) as LayoutElement);
  const alignable = next.filter((e) => e.type !== 'line' && !e.rotate);

  // Left edges, sorted, in runs no wider than ALIGN_WITHIN: each run takes its leftmost edge.
  let aligned = 0;
  const byLeft = [...alignable].sort((a, b) => a.left - b.left || a.id.localeCompare(b.id));
  for (let i = 0; i < byLeft.length; ) {
    let j = i + 1;
    while (j < byLeft.length && byLeft[j]!.left - byLeft[i]!.left <= ALIGN_WITHIN) j++;
    for (let k = i + 1; k < j; k++) {
      if (byLeft[k]!.left !== byLeft[i]!.left) aligned++;
      byLeft[k]!.left = byLeft[i]!.left;
    }
    i = j;
  }

  for (const element of next) {
    if (element.type === 'line' || element.rotate) {
      keepOnCanvas(element, canvas);
      continue;
    }
    element.left = snap(element.left);
    element.top = snap(element.top);
    element.width = Math.max(TIDY_GRID, snap(element.width));
    element.height = Math.max(TIDY_GRID, snap(Number(element.height ?? TIDY_GRID)));
    keepOnCanvas(element, canvas);
  }
  const moved = next.filter((e, i) => boxChanged(e, elements[i]!)).length;
  const parts = [`snapped to a ${TIDY_GRID} px grid`, aligned > 0 && `lined up ${aligned} left edge${aligned === 1 ? '' : 's'}`, 'kept everything on the slide'].filter(Boolean);
  return { elements: next, description: `Tidied without the model (${moved} element${moved === 1 ? '' : 's'} changed): ${parts.join(', ')}.` };
}

/** Shrinks to the slide if larger, then moves it on. Lines move; their length stays. */
function keepOnCanvas(element: LayoutElement, canvas: Canvas): void {
  if (element.type !== 'line') {
    element.width = Math.min(element.width, canvas.width);
    element.height = Math.min(Number(element.height ?? 0), canvas.height);
  }
  const box = boxOf(element);
  const dx = Math.min(Math.max(box.x, 0), Math.max(0, canvas.width - box.width)) - box.x;
  const dy = Math.min(Math.max(box.y, 0), Math.max(0, canvas.height - box.height)) - box.y;
  element.left = Math.round((element.left + dx) * 100) / 100;
  element.top = Math.round((element.top + dy) * 100) / 100;
}

function boxChanged(a: LayoutElement, b: LayoutElement): boolean {
  const x = boxOf(a);
  const y = boxOf(b);
  return x.x !== y.x || x.y !== y.y || x.width !== y.width || x.height !== y.height;
}
