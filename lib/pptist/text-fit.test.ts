import { fitFontSize, measureText, plainText, richTextParagraphs, textFits } from './text-fit.js';

describe('measureText', () => {
  it('keeps a short English line on one line, as wide as its Arial advances', () => {
    // H .722 e .556 l .222 l .222 o .556 space .278 w .722 o .556 r .333 l .222 d .556 = 4.945 em
    const metrics = measureText('Hello world', { fontSize: 20, width: 300 });
    expect(metrics.lines).toBe(1);
    expect(metrics.widestLine).toBeCloseTo(98.9, 5);
    expect(metrics.height).toBeCloseTo(20 * 1.5 + 20, 5);
  });

  it('wraps a sentence at word boundaries', () => {
    // At 20px in 200px of usable width: "The quick brown fox" is 178.96px and "jumps" would take
    // it to 237.86; "jumps over the lazy" is 172.28px and "dog" would take it to 211.2.
    const metrics = measureText('The quick brown fox jumps over the lazy dog', { fontSize: 20, width: 220 });
    expect(metrics.lines).toBe(3);
    expect(metrics.widestLine).toBeCloseTo(178.96, 5);
    expect(metrics.height).toBeCloseTo(3 * 30 + 20, 5);
  });

  it('sets CJK text at 1 em a character and breaks it anywhere', () => {
    const twenty = '犯罪心理学是研究犯罪行为及其心理机制的学'; // 20 ideographs
    expect([...twenty]).toHaveLength(20);
    expect(measureText(twenty, { fontSize: 20, width: 200 + 20 })).toEqual({ lines: 2, height: 2 * 30 + 20, widestLine: 200 });
    expect(measureText(`${twenty}学`, { fontSize: 20, width: 220 }).lines).toBe(3);
    expect(measureText('ＡＢ　한국어ひらがな', { fontSize: 10, width: 20 + 80 }).widestLine).toBe(80);
  });

  it('breaks a word longer than the line between its characters', () => {
    // W is .944 em: ten of them (94.4px at 10px) fill a 100px line.
    expect(measureText('W'.repeat(30), { fontSize: 10, width: 120 }).lines).toBe(3);
    expect(measureText(`a ${'W'.repeat(30)}`, { fontSize: 10, width: 120 }).lines).toBe(4);
  });

  it('honours explicit paragraphs, with the paragraph space between them', () => {
    const plain = measureText('one\ntwo', { fontSize: 10, width: 200, lineHeight: 1, paragraphSpace: 6 });
    expect(plain).toMatchObject({ lines: 2, height: 10 + 6 + 10 + 20 });
    const rich = measureText('<p style="text-align: center;"><span style="font-size: 10px;">one</span></p><ul><li><p>two</p></li></ul>', {
      fontSize: 10,
      width: 200,
      lineHeight: 1,
      paragraphSpace: 6,
    });
    expect(rich).toEqual(plain);
    expect(measureText('one\n\nthree', { fontSize: 10, width: 200 }).lines).toBe(3);
  });

  it('widens bold Latin text by about 5%, and letter spacing by its pixels per character', () => {
    const regular = measureText('Bold statement', { fontSize: 20, width: 1000 }).widestLine;
    expect(measureText('Bold statement', { fontSize: 20, width: 1000, bold: true }).widestLine).toBeCloseTo(regular * 1.05, 5);
    expect(measureText('<p><strong>Bold statement</strong></p>', { fontSize: 20, width: 1000 }).widestLine).toBeCloseTo(regular * 1.05, 5);
    expect(measureText('Bold statement', { fontSize: 20, width: 1000, letterSpacing: 2 }).widestLine).toBeCloseTo(regular + 14 * 2, 5);
    expect(measureText('粗体', { fontSize: 20, width: 1000, bold: true }).widestLine).toBe(40);
  });

  it('measures wider serif and monospace families than Arial', () => {
    const arial = measureText('editorial typography', { fontSize: 20, width: 1000, fontFamily: 'Arial' }).widestLine;
    expect(measureText('editorial typography', { fontSize: 20, width: 1000, fontFamily: 'Georgia' }).widestLine).toBeGreaterThan(arial);
    expect(measureText('iiii', { fontSize: 10, width: 1000, fontFamily: 'Courier New' }).widestLine).toBeCloseTo(24, 5);
  });

  it('reads entities and accented letters', () => {
    expect(plainText('<p>A &lt;b&gt; &amp; &#x4e2d;&#25991;</p>')).toBe('A <b> & 中文');
    expect(measureText('é', { fontSize: 10, width: 100 }).widestLine).toBeCloseTo(5.56, 5);
  });
});

describe('richTextParagraphs', () => {
  it('splits on p, li and br and marks bold paragraphs', () => {
    expect(richTextParagraphs('<p><strong>Title</strong></p><p>Body<br>more</p><p></p>')).toEqual([
      { text: 'Title', bold: true },
      { text: 'Body', bold: false },
      { text: 'more', bold: false },
      { text: '', bold: false },
    ]);
  });
});

describe('fitFontSize', () => {
  const box = { width: 220, height: 200 };

  it('keeps the start size when the text already fits', () => {
    expect(fitFontSize('Short title', box, { startSize: 40, minSize: 10, maxLines: 1 })).toBe(40);
  });

  it('shrinks in 1px steps to the largest size within the line budget', () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const size = fitFontSize(text, box, { startSize: 40, minSize: 10, maxLines: 2 });
    expect(size).toBeLessThan(40);
    expect(measureText(text, { ...box, fontSize: size }).lines).toBeLessThanOrEqual(2);
    expect(measureText(text, { ...box, fontSize: size + 1 }).lines).toBeGreaterThan(2);
  });

  it('shrinks until the text fits the box height even when the line budget allows more', () => {
    // 40 ideographs at 20px need 4 lines (140px); the box holds 2 lines of 20px text (80px).
    const text = '犯'.repeat(40);
    const short = { width: 220, height: 80 };
    const size = fitFontSize(text, short, { startSize: 20, minSize: 8, maxLines: 6 });
    expect(textFits(text, short, size, 6)).toBe(true);
    expect(textFits(text, short, size + 1, 6)).toBe(false);
  });

  it('never goes below the minimum size, even when the text cannot fit', () => {
    const text = 'word '.repeat(500);
    expect(fitFontSize(text, box, { startSize: 30, minSize: 12, maxLines: 1 })).toBe(12);
    expect(textFits(text, box, 12, 1)).toBe(false);
  });
});
