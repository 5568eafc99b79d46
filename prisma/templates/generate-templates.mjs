#!/usr/bin/env node
// Generates the built-in slide templates `aurora.json` and `paper.json`.
//
// Both designs are original to this project. The output is deterministic (ids come from a seeded
// PRNG), so re-running this script reproduces the committed JSON byte for byte unless the designs
// below change. Run: `node prisma/templates/generate-templates.mjs`, then
// `node prisma/templates/check-templates.mjs`.
//
// Plain Node ESM, no dependencies.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const W = 1000;
const H = 562.5;

// ---------------------------------------------------------------------------------------------
// Deterministic ids
// ---------------------------------------------------------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function makeIdSource(seed) {
  let a = seed >>> 0;
  const rand = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const used = new Set();
  return () => {
    for (;;) {
      let id = '';
      for (let i = 0; i < 10; i++) id += ALPHABET[Math.floor(rand() * ALPHABET.length)];
      if (!used.has(id)) {
        used.add(id);
        return id;
      }
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Element builders
// ---------------------------------------------------------------------------------------------

const r2 = (n) => Math.round(n * 100) / 100;

const RECT = 'M 0 0 L 200 0 L 200 200 L 0 200 Z';
const ELLIPSE = 'M 100 0 A 100 100 0 1 1 100 200 A 100 100 0 1 1 100 0 Z';
// Quarter discs; the name says which corner of the box holds the circle's centre.
const QUARTER = {
  bottomRight: 'M 200 0 L 200 200 L 0 200 A 200 200 0 0 1 200 0 Z',
  bottomLeft: 'M 0 0 A 200 200 0 0 1 200 200 L 0 200 Z',
  topRight: 'M 0 0 L 200 0 L 200 200 A 200 200 0 0 1 0 0 Z',
  topLeft: 'M 0 0 L 200 0 A 200 200 0 0 1 0 200 Z',
};

function makeBuilders(nextId) {
  const base = (x, y, w, h) => ({ left: r2(x), top: r2(y), width: r2(w), height: r2(h) });

  const shape = (x, y, w, h, path, fill, extra = {}) => ({
    type: 'shape',
    id: nextId(),
    ...base(x, y, w, h),
    viewBox: [200, 200],
    path,
    fill,
    fixedRatio: false,
    rotate: 0,
    ...extra,
  });

  const rect = (x, y, w, h, fill, extra) => shape(x, y, w, h, RECT, fill, extra);
  const ellipse = (x, y, w, h, fill, extra) => shape(x, y, w, h, ELLIPSE, fill, extra);
  const quarter = (corner, x, y, size, fill, extra) => shape(x, y, size, size, QUARTER[corner], fill, extra);

  // Rounded rectangle in PPTist's `roundRect` formula (radius = min(w, h) * keypoint), drawn in
  // its own coordinate space so the corners stay round at any aspect ratio.
  const roundRect = (x, y, w, h, radius, fill, extra = {}) => {
    const rw = r2(w);
    const rh = r2(h);
    const r = r2(Math.min(radius, Math.min(rw, rh) / 2));
    const path =
      `M ${r} 0 L ${r2(rw - r)} 0 Q ${rw} 0 ${rw} ${r} L ${rw} ${r2(rh - r)} ` +
      `Q ${rw} ${rh} ${r2(rw - r)} ${rh} L ${r} ${rh} Q 0 ${rh} 0 ${r2(rh - r)} L 0 ${r} Q 0 0 ${r} 0 Z`;
    return {
      type: 'shape',
      id: nextId(),
      ...base(x, y, w, h),
      viewBox: [rw, rh],
      path,
      fill,
      fixedRatio: false,
      rotate: 0,
      pathFormula: 'roundRect',
      keypoints: [Math.round((r / Math.min(rw, rh)) * 10000) / 10000],
      ...extra,
    };
  };

  const line = (x1, y1, x2, y2, color, width = 1, extra = {}) => {
    const left = Math.min(x1, x2);
    const top = Math.min(y1, y2);
    return {
      type: 'line',
      id: nextId(),
      left: r2(left),
      top: r2(top),
      start: [r2(x1 - left), r2(y1 - top)],
      end: [r2(x2 - left), r2(y2 - top)],
      points: ['', ''],
      color,
      style: 'solid',
      width,
      ...extra,
    };
  };

  return { shape, rect, ellipse, quarter, roundRect, line };
}

/** One paragraph of rich text: `<p style="text-align: …"><strong><em><span style="font-size: …">`. */
function para(text, { size, align = 'left', bold = false, italic = false, color } = {}) {
  let inner = `<span style="font-size: ${size}px;">${text}</span>`;
  if (color) inner = `<span style="color: ${color};">${inner}</span>`;
  if (italic) inner = `<em>${inner}</em>`;
  if (bold) inner = `<strong>${inner}</strong>`;
  return `<p style="text-align: ${align};">${inner}</p>`;
}

function makeText(nextId) {
  return (x, y, w, h, text, opts) => {
    const { font, color, textType, groupId, lineHeight, ...style } = opts;
    const el = {
      type: 'text',
      id: nextId(),
      left: r2(x),
      top: r2(y),
      width: r2(w),
      height: r2(h),
      content: para(text, style),
      rotate: 0,
      defaultFontName: font,
      defaultColor: color,
      vertical: false,
    };
    if (lineHeight) el.lineHeight = lineHeight;
    if (textType) el.textType = textType;
    if (groupId) el.groupId = groupId;
    return el;
  };
}

const num = (i) => String(i + 1).padStart(2, '0');

/** Evenly spaced rows of height `rowH` centred on `centre`. */
function rows(n, rowH, centre) {
  const start = centre - (n * rowH) / 2;
  return Array.from({ length: n }, (_, i) => start + i * rowH);
}

// ---------------------------------------------------------------------------------------------
// Aurora — deep navy, teal and coral, clean sans-serif
// ---------------------------------------------------------------------------------------------

function aurora() {
  const nextId = makeIdSource(0xa0a0a);
  const { ellipse, rect, quarter, roundRect, line } = makeBuilders(nextId);
  const text = makeText(nextId);

  const NAVY = '#0E1A2B';
  const PANEL = '#15263D';
  const PANEL2 = '#1D3352';
  const TEAL = '#2EC4B6';
  const CORAL = '#FF7A5C';
  const ICE = '#EAF1F7';
  const MUTED = '#9DB2C7';
  const FONT = 'Arial';
  const ACCENTS = [TEAL, CORAL];

  const slide = (type, elements) => ({
    id: nextId(),
    elements,
    background: { type: 'solid', color: NAVY },
    type,
  });

  // Small "teal bar + coral dot" signature used on several slides.
  const signature = (x, y) => [rect(x, y, 48, 6, TEAL), ellipse(x + 56, y - 3, 12, 12, CORAL)];

  const cover = slide('cover', [
    quarter('bottomRight', 600, H - 400, 400, PANEL, { lock: true }),
    quarter('bottomRight', 760, H - 240, 240, TEAL, { opacity: 0.18, lock: true }),
    ellipse(840, 92, 72, 72, 'rgba(0, 0, 0, 0)', { outline: { width: 3, color: CORAL, style: 'solid' } }),
    ellipse(924, 180, 16, 16, TEAL),
    ...signature(80, 150),
    text(70, 174, 660, 90, 'Presentation title', {
      font: FONT, color: ICE, size: 44, bold: true, textType: 'title',
    }),
    text(70, 268, 540, 104, 'A short subtitle that says what this presentation is about', {
      font: FONT, color: MUTED, size: 18, textType: 'content',
    }),
    line(80, 470, 300, 470, PANEL2, 2),
  ]);

  // Contents: left panel with the heading, numbered list on the right. 2–4 items in one column,
  // 5–10 items in two columns.
  const contents = (n) => {
    const els = [
      rect(0, 0, 340, H, PANEL, { lock: true }),
      quarter('bottomLeft', 0, H - 200, 200, TEAL, { opacity: 0.16, lock: true }),
      text(50, 176, 260, 80, 'Contents', { font: FONT, color: ICE, size: 40, bold: true }),
      ...signature(60, 270),
    ];
    const oneColumn = n <= 4;
    const cols = oneColumn ? 1 : 2;
    const perCol = Math.ceil(n / cols);
    const rowH = Math.min(oneColumn ? 104 : 88, 440 / perCol);
    const ys = rows(perCol, rowH, H / 2);
    const colX = oneColumn ? [400] : [390, 670];
    const colW = oneColumn ? 540 : 260;
    const badge = oneColumn ? 48 : 44;
    const fontSize = oneColumn ? 20 : 18;
    for (let i = 0; i < n; i++) {
      const col = Math.floor(i / perCol);
      const row = i % perCol;
      const x = colX[col];
      const y = ys[row];
      const mid = y + rowH / 2;
      const groupId = nextId();
      els.push(
        roundRect(x, mid - badge / 2, badge, badge, 10, PANEL2, {
          groupId,
          text: {
            content: para(num(i), { size: oneColumn ? 18 : 16, align: 'center', bold: true }),
            defaultFontName: FONT,
            defaultColor: ACCENTS[i % 2],
            align: 'middle',
            type: 'itemNumber',
          },
        }),
        text(x + badge + 10, mid - 28, colW - badge - 10, 56, 'Section name', {
          font: FONT, color: ICE, size: fontSize, textType: 'item', groupId,
        }),
      );
      if (row < perCol - 1 && i < n - 1) {
        els.push(line(x + badge + 20, y + rowH, x + colW, y + rowH, PANEL2, 1, { groupId }));
      }
    }
    return slide('contents', els);
  };

  const transition = slide('transition', [
    quarter('topRight', 640, 0, 360, PANEL, { lock: true }),
    quarter('topRight', 820, 0, 180, TEAL, { opacity: 0.18, lock: true }),
    ellipse(360, 392, 12, 12, TEAL),
    ellipse(382, 392, 12, 12, 'rgba(0, 0, 0, 0)', { outline: { width: 2, color: CORAL, style: 'solid' } }),
    text(60, 180, 250, 170, '01', {
      font: FONT, color: TEAL, size: 100, bold: true, align: 'right', textType: 'partNumber',
    }),
    rect(322, 196, 6, 140, CORAL),
    text(350, 186, 600, 80, 'Section title', {
      font: FONT, color: ICE, size: 40, bold: true, textType: 'title',
    }),
    text(350, 268, 560, 96, 'One or two sentences that introduce what this section covers', {
      font: FONT, color: MUTED, size: 16, textType: 'content',
    }),
  ]);

  const contentHeader = () => [
    quarter('topRight', 910, 0, 90, PANEL2, { lock: true }),
    rect(60, 50, 6, 38, TEAL),
    text(70, 34, 820, 70, 'Slide title', { font: FONT, color: ICE, size: 32, bold: true, textType: 'title' }),
  ];

  // Content: one card per item (itemNumber badge + itemTitle + item), 2–4 columns.
  const content = (n) => {
    const els = contentHeader();
    const gap = 24;
    const cw = (880 - gap * (n - 1)) / n;
    for (let i = 0; i < n; i++) {
      const cx = 60 + i * (cw + gap);
      const groupId = nextId();
      const accent = ACCENTS[i % 2];
      els.push(
        roundRect(cx, 136, cw, 376, 14, PANEL, { groupId }),
        roundRect(cx + 24, 162, 44, 44, 22, accent, {
          groupId,
          text: {
            content: para(num(i), { size: 16, align: 'center', bold: true }),
            defaultFontName: FONT,
            defaultColor: NAVY,
            align: 'middle',
            type: 'itemNumber',
          },
        }),
        text(cx + 14, 222, cw - 28, 80, 'Item title', {
          font: FONT, color: ICE, size: 20, bold: true, textType: 'itemTitle', groupId,
        }),
        rect(cx + 24, 308, 32, 3, accent, { groupId }),
        text(cx + 14, 322, cw - 28, 170, 'Item description text that explains this point', {
          font: FONT, color: MUTED, size: 16, textType: 'item', groupId,
        }),
      );
    }
    return slide('content', els);
  };

  // Content with a single `content` marker (used when a content slide has one item).
  const loneContent = slide('content', [
    ...contentHeader(),
    roundRect(60, 136, 580, 376, 14, PANEL),
    rect(90, 172, 6, 64, TEAL),
    text(106, 160, 506, 320, 'Body text for a slide with a single point. Write a short paragraph here that develops the idea in a few sentences.', {
      font: FONT, color: ICE, size: 18, textType: 'content',
    }),
    ellipse(690, 176, 260, 260, PANEL2),
    ellipse(760, 246, 120, 120, TEAL, { opacity: 0.85 }),
    ellipse(886, 168, 44, 44, CORAL),
    ellipse(700, 440, 16, 16, 'rgba(0, 0, 0, 0)', { outline: { width: 2, color: CORAL, style: 'solid' } }),
  ]);

  const end = slide('end', [
    quarter('topLeft', 0, 0, 170, PANEL2, { lock: true }),
    quarter('bottomRight', 620, H - 380, 380, PANEL, { lock: true }),
    quarter('bottomRight', 780, H - 220, 220, TEAL, { opacity: 0.18, lock: true }),
    ellipse(860, 110, 56, 56, 'rgba(0, 0, 0, 0)', { outline: { width: 3, color: CORAL, style: 'solid' } }),
    text(150, 200, 700, 102, 'Thank you', {
      font: FONT, color: ICE, size: 52, bold: true, align: 'center', textType: 'title',
    }),
    rect(466, 318, 48, 6, TEAL),
    ellipse(522, 315, 12, 12, CORAL),
  ]);

  return {
    title: 'Aurora',
    width: W,
    height: H,
    theme: {
      backgroundColor: NAVY,
      themeColors: [TEAL, CORAL, '#5B8DEF', '#F4C95D', '#8E7CC3', MUTED],
      fontColor: ICE,
      fontName: FONT,
      outline: { width: 2, color: TEAL, style: 'solid' },
      shadow: { h: 0, v: 6, blur: 18, color: 'rgba(0, 0, 0, 0.35)' },
    },
    slides: [
      cover,
      ...[2, 3, 4, 5, 6, 8, 10].map(contents),
      transition,
      ...[2, 3, 4].map(content),
      loneContent,
      end,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Paper — off-white, charcoal serif type, one warm accent, thin rules
// ---------------------------------------------------------------------------------------------

function paper() {
  const nextId = makeIdSource(0x9a9e5);
  const { ellipse, rect, line } = makeBuilders(nextId);
  const text = makeText(nextId);

  const PAPER = '#F7F3EC';
  const SAND = '#ECE4D6';
  const INK = '#2A2826';
  const GREY = '#6E6A64';
  const RULE = '#CFC6B8';
  const ACCENT = '#C4572E';
  const SERIF = 'Georgia';
  const SANS = 'Arial';

  const slide = (type, elements) => ({
    id: nextId(),
    elements,
    background: { type: 'solid', color: PAPER },
    type,
  });

  // Sun-over-horizon emblem in a sand panel (cover and single-point content slide).
  const emblem = (x, y, w, h) => {
    const d = Math.min(w * 0.55, 130);
    const els = [
      rect(x, y, w, h, SAND, { lock: true }),
      ellipse(x + (w - d) / 2, y + h * 0.2, d, d, ACCENT),
      rect(x + 20, y + h * 0.2 + d * 0.62, w - 40, h - (h * 0.2 + d * 0.62) - 20, SAND),
    ];
    for (let k = 0; k < 4; k++) {
      const ly = y + h * 0.2 + d * 0.62 + 14 + k * 16;
      const inset = 20 + k * 14;
      els.push(line(x + inset, ly, x + w - inset, ly, k === 0 ? INK : RULE, 1));
    }
    return els;
  };

  const cover = slide('cover', [
    line(60, 56, 940, 56, INK, 1),
    line(60, 506, 940, 506, INK, 1),
    rect(60, 150, 40, 4, ACCENT),
    ...emblem(720, 96, 220, 360),
    text(50, 174, 640, 94, 'Presentation title', { font: SERIF, color: INK, size: 48, textType: 'title' }),
    text(50, 272, 600, 104, 'A short subtitle that says what this presentation is about', {
      font: SERIF, color: GREY, size: 18, italic: true, textType: 'content',
    }),
  ]);

  // Contents: a ruled table of contents. 2–4 items full width, 5–10 items in two columns.
  const contents = (n) => {
    const els = [
      line(60, 56, 940, 56, INK, 1),
      line(60, 506, 940, 506, INK, 1),
      text(50, 70, 400, 74, 'Contents', { font: SERIF, color: INK, size: 36 }),
      rect(60, 148, 40, 4, ACCENT),
    ];
    const oneColumn = n <= 4;
    const cols = oneColumn ? 1 : 2;
    const perCol = Math.ceil(n / cols);
    const rowH = Math.min(84, 306 / perCol);
    const colX = oneColumn ? [60] : [60, 520];
    const colW = oneColumn ? 880 : 420;
    const top = 184;
    for (let i = 0; i < n; i++) {
      const col = Math.floor(i / perCol);
      const row = i % perCol;
      const x = colX[col];
      const y = top + row * rowH;
      const mid = y + rowH / 2;
      const groupId = nextId();
      els.push(
        text(x - 10, mid - 30, 80, 60, num(i), {
          font: SERIF, color: ACCENT, size: 26, textType: 'itemNumber', groupId,
        }),
        text(x + 70, mid - 26, colW - 70, 52, 'Section name', {
          font: SERIF, color: INK, size: oneColumn ? 20 : 18, textType: 'item', groupId,
        }),
      );
      // hairline between rows (none under the last row of a column: the frame rule closes it)
      if (row < perCol - 1 && i < n - 1) els.push(line(x, y + rowH, x + colW, y + rowH, RULE, 1, { groupId }));
    }
    return slide('contents', els);
  };

  const transition = slide('transition', [
    rect(0, 0, 360, H, SAND, { lock: true }),
    text(40, 160, 280, 200, '01', {
      font: SERIF, color: ACCENT, size: 120, align: 'center', textType: 'partNumber',
    }),
    line(140, 380, 220, 380, INK, 1),
    line(410, 56, 940, 56, INK, 1),
    line(410, 506, 940, 506, INK, 1),
    text(400, 194, 540, 84, 'Section title', { font: SERIF, color: INK, size: 40, textType: 'title' }),
    rect(410, 288, 40, 4, ACCENT),
    text(400, 304, 520, 96, 'One or two sentences that introduce what this section covers', {
      font: SANS, color: GREY, size: 16, textType: 'content',
    }),
  ]);

  const contentHeader = () => [
    text(50, 36, 900, 70, 'Slide title', { font: SERIF, color: INK, size: 32, textType: 'title' }),
    line(60, 114, 940, 114, INK, 1),
    line(60, 506, 940, 506, RULE, 1),
  ];

  // Content: ruled columns, each itemNumber + itemTitle + item.
  const content = (n) => {
    const els = contentHeader();
    const gap = 40;
    const cw = (880 - gap * (n - 1)) / n;
    for (let i = 0; i < n; i++) {
      const cx = 60 + i * (cw + gap);
      const groupId = nextId();
      els.push(
        text(cx - 10, 140, 100, 56, num(i), {
          font: SERIF, color: ACCENT, size: 24, textType: 'itemNumber', groupId,
        }),
        line(cx, 204, cx + cw, 204, INK, 1, { groupId }),
        text(cx - 10, 214, cw + 20, 80, 'Item title', {
          font: SERIF, color: INK, size: 20, bold: true, textType: 'itemTitle', groupId,
        }),
        text(cx - 10, 298, cw + 20, 190, 'Item description text that explains this point', {
          font: SANS, color: GREY, size: 16, textType: 'item', groupId,
        }),
      );
    }
    return slide('content', els);
  };

  const loneContent = slide('content', [
    ...contentHeader(),
    rect(60, 150, 4, 120, ACCENT),
    text(80, 140, 540, 340, 'Body text for a slide with a single point. Write a short paragraph here that develops the idea in a few sentences.', {
      font: SERIF, color: INK, size: 20, textType: 'content',
    }),
    ...emblem(700, 140, 240, 340),
  ]);

  const end = slide('end', [
    line(60, 56, 940, 56, INK, 1),
    line(60, 506, 940, 506, INK, 1),
    ellipse(480, 150, 40, 40, ACCENT),
    text(150, 214, 700, 102, 'Thank you', {
      font: SERIF, color: INK, size: 54, align: 'center', textType: 'title',
    }),
    line(470, 336, 530, 336, INK, 1),
  ]);

  return {
    title: 'Paper',
    width: W,
    height: H,
    theme: {
      backgroundColor: PAPER,
      themeColors: [ACCENT, INK, '#8A7F72', '#D9A441', '#5E7D6E', '#B9A98F'],
      fontColor: INK,
      fontName: SERIF,
      outline: { width: 1, color: INK, style: 'solid' },
      shadow: { h: 2, v: 2, blur: 6, color: 'rgba(42, 40, 38, 0.15)' },
    },
    slides: [
      cover,
      ...[2, 3, 4, 5, 6, 8, 10].map(contents),
      transition,
      ...[2, 3, 4].map(content),
      loneContent,
      end,
    ],
  };
}

for (const [name, build] of [['aurora', aurora], ['paper', paper]]) {
  const file = join(HERE, `${name}.json`);
  writeFileSync(file, JSON.stringify(build(), null, 2) + '\n');
  console.log(`wrote ${file}`);
}
