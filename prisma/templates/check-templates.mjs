#!/usr/bin/env node
// Structural check of the built-in slide templates (plain Node ESM, no dependencies).
//
//   node prisma/templates/check-templates.mjs [file.json ...]
//
// Without arguments it checks aurora.json and paper.json next to this script. Prints a summary per
// template and exits with status 1 if any problem was found.

import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_FILES = ['aurora.json', 'paper.json'].map((f) => join(HERE, f));

const SLIDE_TYPES = ['cover', 'contents', 'transition', 'content', 'end'];
const TEXT_TYPES = new Set([
  'title', 'subtitle', 'content', 'item', 'itemTitle', 'notes', 'header', 'footer', 'partNumber', 'itemNumber',
]);
const ELEMENT_TYPES = new Set(['text', 'image', 'shape', 'line', 'chart', 'table', 'latex', 'video', 'audio']);
const ALLOWED_TAGS = new Set(['p', 'ul', 'ol', 'li', 'blockquote', 'strong', 'em', 'u', 'strike', 'sup', 'sub', 'code', 'span']);
const REQUIRED_CONTENTS_COUNTS = [2, 3, 4, 5, 6];
const REQUIRED_CONTENT_COUNTS = [2, 3, 4];
const ID_RE = /^[A-Za-z0-9_-]{6,}$/;
const EPS = 0.01;

// Line budgets used by the slide filler (DECK-MODEL.md, "Templates…" step 3).
const MAX_LINES = { title: 1, content: 3, item: 4, itemTitle: 2, itemNumber: 1, partNumber: 1, loneContent: 6 };
const PADDING = 20; // PPTist text boxes have 10px padding on each side
const DEFAULT_LINE_HEIGHT = 1.5;
const AVG_CHAR_WIDTH = 0.58; // rough average glyph width in em for Latin text (bold/serif-safe)

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isStr = (v) => typeof v === 'string';

/** Marker of an element: text `textType`, shape `text.type`, image `imageType`. */
function markerOf(el) {
  if (el.type === 'text') return el.textType;
  if (el.type === 'shape') return el.text?.type;
  if (el.type === 'image') return el.imageType;
  return undefined;
}

function richTextOf(el) {
  if (el.type === 'text') return el.content;
  if (el.type === 'shape') return el.text?.content;
  return undefined;
}

const plain = (html) => html.replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&[a-z]+;/g, '&').trim();

function checkTemplate(file) {
  const problems = [];
  const name = basename(file);
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { name, problems: [`cannot read/parse: ${err.message}`], summary: null };
  }
  const fail = (where, msg) => problems.push(`${where}: ${msg}`);

  // --- document & theme -------------------------------------------------------------------
  if (!isStr(doc.title) || !doc.title) fail('document', '`title` must be a non-empty string');
  if (doc.width !== 1000) fail('document', `width must be 1000, got ${doc.width}`);
  if (doc.height !== 562.5) fail('document', `height must be 562.5, got ${doc.height}`);
  const W = isNum(doc.width) ? doc.width : 1000;
  const H = isNum(doc.height) ? doc.height : 562.5;
  const theme = doc.theme;
  if (!theme || typeof theme !== 'object') fail('theme', 'missing');
  else {
    for (const k of ['backgroundColor', 'fontColor']) if (!isStr(theme[k]) || !theme[k]) fail('theme', `\`${k}\` must be a colour string`);
    if (!isStr(theme.fontName)) fail('theme', '`fontName` must be a string');
    if (!Array.isArray(theme.themeColors) || theme.themeColors.length !== 6 || !theme.themeColors.every(isStr)) {
      fail('theme', '`themeColors` must be an array of 6 colour strings');
    }
    const o = theme.outline;
    if (!o || !isNum(o.width) || !isStr(o.color) || !['solid', 'dashed', 'dotted'].includes(o.style)) fail('theme', '`outline` must be {width, color, style}');
    const s = theme.shadow;
    if (!s || !isNum(s.h) || !isNum(s.v) || !isNum(s.blur) || !isStr(s.color)) fail('theme', '`shadow` must be {h, v, blur, color}');
  }
  if (!Array.isArray(doc.slides) || doc.slides.length === 0) {
    fail('document', '`slides` must be a non-empty array');
    return { name, problems, summary: null };
  }

  // --- slides ------------------------------------------------------------------------------
  const docIds = new Map(); // id -> where
  const claimId = (id, where) => {
    if (!isStr(id) || !ID_RE.test(id)) fail(where, `bad id ${JSON.stringify(id)}`);
    else if (docIds.has(id)) fail(where, `id ${id} already used by ${docIds.get(id)}`);
    else docIds.set(id, where);
  };
  const groupOwners = new Map(); // groupId -> slide index

  const byType = Object.fromEntries(SLIDE_TYPES.map((t) => [t, []]));
  let loneContentSlides = 0;

  doc.slides.forEach((slide, si) => {
    const where = `slide ${si + 1} (${slide?.type ?? '?'})`;
    if (!slide || typeof slide !== 'object') return fail(where, 'not an object');
    claimId(slide.id, where);
    if (!SLIDE_TYPES.includes(slide.type)) fail(where, `slide \`type\` must be one of ${SLIDE_TYPES.join('/')}`);
    const bg = slide.background;
    if (!bg || bg.type !== 'solid' || !isStr(bg.color) || !bg.color) fail(where, 'background must be {type: "solid", color}');
    if (!Array.isArray(slide.elements) || slide.elements.length === 0) return fail(where, '`elements` must be a non-empty array');

    const slideIds = new Set();
    const markers = {};
    const loneSlide = slide.type === 'content' && !slide.elements.some((e) => e && markerOf(e) === 'item');
    const groups = new Map(); // groupId -> elements
    for (const [ei, el] of slide.elements.entries()) {
      const ew = `${where} element ${ei + 1} (${el?.type}${el?.id ? ` ${el.id}` : ''})`;
      if (!el || !ELEMENT_TYPES.has(el.type)) {
        fail(ew, 'unknown element type');
        continue;
      }
      if (slideIds.has(el.id)) fail(ew, `duplicate id ${el.id} within the slide`);
      slideIds.add(el.id);
      claimId(el.id, ew);

      // geometry: everything on the canvas
      if (!isNum(el.left) || !isNum(el.top) || !isNum(el.width)) fail(ew, 'left/top/width must be numbers');
      if (el.type === 'line') {
        const pts = [el.start, el.end];
        if (!pts.every((p) => Array.isArray(p) && p.length === 2 && p.every(isNum))) fail(ew, 'line start/end must be [x, y]');
        else {
          const xs = pts.map((p) => el.left + p[0]);
          const ys = pts.map((p) => el.top + p[1]);
          if (Math.min(...xs) < -EPS || Math.max(...xs) > W + EPS || Math.min(...ys) < -EPS || Math.max(...ys) > H + EPS) {
            fail(ew, 'line leaves the canvas');
          }
        }
        if (!['solid', 'dashed', 'dotted'].includes(el.style)) fail(ew, 'line style must be solid/dashed/dotted');
        if (!Array.isArray(el.points) || el.points.length !== 2) fail(ew, 'line points must be [p, p]');
        if (!isStr(el.color)) fail(ew, 'line color must be a string');
      } else {
        if (!isNum(el.height)) fail(ew, 'height must be a number');
        if (el.rotate !== 0) fail(ew, 'rotate must be 0');
        if (el.width <= 0 || el.height <= 0) fail(ew, 'width/height must be positive');
        if (el.left < -EPS || el.top < -EPS || el.left + el.width > W + EPS || el.top + el.height > H + EPS) {
          fail(ew, `outside the ${W}×${H} canvas (${el.left}, ${el.top}, ${el.width}×${el.height})`);
        }
      }

      // per-type fields
      if (el.type === 'text') {
        if (!isStr(el.content)) fail(ew, '`content` must be HTML');
        if (!isStr(el.defaultFontName)) fail(ew, '`defaultFontName` must be a string');
        if (!isStr(el.defaultColor)) fail(ew, '`defaultColor` must be a string');
        if (el.textType !== undefined && !TEXT_TYPES.has(el.textType)) fail(ew, `unknown textType ${el.textType}`);
      }
      if (el.type === 'shape') {
        if (!Array.isArray(el.viewBox) || el.viewBox.length !== 2 || !el.viewBox.every(isNum)) fail(ew, '`viewBox` must be [w, h]');
        if (!isStr(el.path) || !el.path) fail(ew, '`path` must be an SVG path');
        if (typeof el.fixedRatio !== 'boolean') fail(ew, '`fixedRatio` must be boolean');
        if (!isStr(el.fill)) fail(ew, '`fill` must be a string');
        if (el.text) {
          const t = el.text;
          if (!isStr(t.content) || !isStr(t.defaultFontName) || !isStr(t.defaultColor) || !['top', 'middle', 'bottom'].includes(t.align)) {
            fail(ew, 'shape text must have content, defaultFontName, defaultColor, align');
          }
          if (t.type !== undefined && !TEXT_TYPES.has(t.type)) fail(ew, `unknown shape text type ${t.type}`);
        }
      }
      const html = richTextOf(el);
      if (isStr(html)) {
        for (const m of html.matchAll(/<\/?([a-zA-Z0-9]+)/g)) {
          if (!ALLOWED_TAGS.has(m[1].toLowerCase())) fail(ew, `tag <${m[1]}> not allowed in rich text`);
        }
        if (!plain(html)) fail(ew, 'empty text');
      }

      const marker = markerOf(el);
      if (marker) {
        markers[marker] = (markers[marker] ?? 0) + 1;
        if (isStr(html)) checkFit(el, marker === 'content' && loneSlide ? 'loneContent' : marker, html, ew, slide.type);
      }
      if (el.groupId !== undefined) {
        if (!isStr(el.groupId) || !ID_RE.test(el.groupId)) fail(ew, `bad groupId ${JSON.stringify(el.groupId)}`);
        if (!groups.has(el.groupId)) groups.set(el.groupId, []);
        groups.get(el.groupId).push(el);
      }
    }

    for (const gid of groups.keys()) {
      if (groupOwners.has(gid) && groupOwners.get(gid) !== si) fail(where, `groupId ${gid} also used on slide ${groupOwners.get(gid) + 1}`);
      groupOwners.set(gid, si);
    }

    // --- per-type marker rules -----------------------------------------------------------
    const count = (m) => markers[m] ?? 0;
    const items = count('item');
    const markedEls = slide.elements.filter((el) => markerOf(el));
    const need = (m, n = 1) => {
      if (count(m) !== n) fail(where, `needs exactly ${n} \`${m}\` marker(s), has ${count(m)}`);
    };

    switch (slide.type) {
      case 'cover':
        need('title');
        need('content');
        break;
      case 'transition':
        need('title');
        need('content');
        need('partNumber');
        break;
      case 'end':
        need('title');
        break;
      case 'contents': {
        if (items < 1) fail(where, 'contents slide without `item` markers');
        if (count('itemTitle')) fail(where, 'contents slides use `item` (+ `itemNumber`), not `itemTitle`');
        checkGroups(where, markedEls, groups, ['item'], items);
        break;
      }
      case 'content': {
        need('title');
        if (items === 0) {
          need('content');
          loneContentSlides++;
        } else {
          if (count('content')) fail(where, 'content slide mixes a `content` marker with items');
          if (count('itemTitle') !== items) fail(where, `${items} item(s) but ${count('itemTitle')} itemTitle(s)`);
          checkGroups(where, markedEls, groups, ['item', 'itemTitle'], items);
        }
        break;
      }
    }
    if (byType[slide.type]) byType[slide.type].push({ index: si, items });
  });

  // Each item (and its partners) must live in its own group: one item, at most one itemTitle /
  // itemNumber, so dropping an unused item drops exactly its group.
  function checkGroups(where, markedEls, groups, required, items) {
    for (const el of markedEls) {
      const m = markerOf(el);
      if (!['item', 'itemTitle', 'itemNumber'].includes(m)) continue;
      if (!el.groupId) fail(where, `${m} ${el.id} has no groupId`);
    }
    let itemGroups = 0;
    for (const [gid, els] of groups) {
      const c = (m) => els.filter((e) => markerOf(e) === m).length;
      if (c('item') === 0 && (c('itemTitle') || c('itemNumber'))) fail(where, `group ${gid} has item markers but no \`item\``);
      if (c('item') === 0) continue;
      itemGroups++;
      for (const m of required) if (c(m) !== 1) fail(where, `group ${gid} must hold exactly one \`${m}\`, has ${c(m)}`);
      if (c('itemNumber') > 1) fail(where, `group ${gid} has ${c('itemNumber')} itemNumbers`);
    }
    if (itemGroups !== items) fail(where, `${items} items but ${itemGroups} item groups`);
  }

  // Rough "does the placeholder fit" check: box height vs. the lines the text needs.
  function checkFit(el, marker, html, ew, slideType) {
    const size = Number(/font-size:\s*([\d.]+)px/.exec(html)?.[1] ?? 16);
    const lh = (el.type === 'text' ? el.lineHeight : el.text?.lineHeight) ?? DEFAULT_LINE_HEIGHT;
    const innerW = el.width - PADDING;
    const txt = plain(html);
    const lines = Math.max(1, Math.ceil((txt.length * size * AVG_CHAR_WIDTH) / innerW));
    const budget = MAX_LINES[marker] ?? 4;
    if (lines > budget) fail(ew, `placeholder "${txt}" needs ~${lines} lines at ${size}px, budget for ${marker} is ${budget}`);
    // the box must leave room for real text: one line for titles/numbers/contents entries, two otherwise
    const oneLiner = ['title', 'itemNumber', 'partNumber'].includes(marker) || (marker === 'item' && slideType === 'contents');
    const budgetH = (oneLiner ? 1 : Math.min(budget, 2)) * size * lh + PADDING;
    if (el.height + 1 < budgetH) fail(ew, `box too short: ${el.height}px < ~${Math.ceil(budgetH)}px`);
    const needH = lines * size * lh + PADDING;
    if (el.height + 1 < needH) fail(ew, `box too short for its placeholder: ${el.height}px < ~${Math.ceil(needH)}px`);
  }

  // --- document-level coverage ------------------------------------------------------------
  for (const t of SLIDE_TYPES) if (byType[t].length === 0) fail('document', `no \`${t}\` slide`);
  const contentsCounts = [...new Set(byType.contents.map((s) => s.items))].sort((a, b) => a - b);
  const contentCounts = [...new Set(byType.content.filter((s) => s.items > 0).map((s) => s.items))].sort((a, b) => a - b);
  for (const n of REQUIRED_CONTENTS_COUNTS) if (!contentsCounts.includes(n)) fail('document', `no contents slide with ${n} items`);
  for (const n of REQUIRED_CONTENT_COUNTS) if (!contentCounts.includes(n)) fail('document', `no content slide with ${n} items`);
  if (loneContentSlides === 0) fail('document', 'no content slide with a single `content` marker (lone content item)');

  const elements = doc.slides.reduce((n, s) => n + (Array.isArray(s?.elements) ? s.elements.length : 0), 0);
  const summary = {
    title: doc.title,
    slides: doc.slides.length,
    elements,
    byType: Object.fromEntries(SLIDE_TYPES.map((t) => [t, byType[t].length])),
    contentsItemCounts: contentsCounts,
    contentItemCounts: contentCounts,
    loneContentSlides,
    font: theme?.fontName,
    background: theme?.backgroundColor,
  };
  return { name, problems, summary };
}

const files = process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_FILES;
let total = 0;
for (const file of files) {
  const { name, problems, summary } = checkTemplate(file);
  total += problems.length;
  if (summary) {
    const s = summary;
    console.log(`${name}: "${s.title}" — ${s.slides} slides, ${s.elements} elements, font ${JSON.stringify(s.font)}, background ${s.background}`);
    console.log(`  types: ${SLIDE_TYPES.map((t) => `${t} ${s.byType[t]}`).join(', ')}`);
    console.log(`  contents item counts: ${s.contentsItemCounts.join(', ') || '-'}; content item counts: ${s.contentItemCounts.join(', ') || '-'}; lone content: ${s.loneContentSlides}`);
  } else {
    console.log(`${name}:`);
  }
  if (problems.length) {
    console.log(`  ${problems.length} problem(s):`);
    for (const p of problems) console.log(`   - ${p}`);
  } else {
    console.log('  OK');
  }
}
console.log(total ? `\nFAILED: ${total} problem(s)` : `\nAll ${files.length} template(s) passed.`);
process.exit(total ? 1 : 0);
