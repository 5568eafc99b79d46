import { normaliseLanguage, offlineSlides, outlineMarkdown } from './offline-generator.js';

describe('offline generator', () => {
  it.each([5, 8, 30])('writes exactly %i content pages framed by cover, contents and end', (count) => {
    const slides = offlineSlides('Solar power', 'en', count);
    expect(slides[0]).toEqual({ type: 'cover', data: { title: 'Solar power', text: 'An overview of Solar power' } });
    expect(slides[1]!.type).toBe('contents');
    expect(slides.at(-1)).toEqual({ type: 'end', data: {} });
    expect(slides.filter((s) => s.type === 'content')).toHaveLength(count);
    const transitions = slides.filter((s) => s.type === 'transition').length;
    expect((slides[1] as { data: { items: string[] } }).data.items).toHaveLength(transitions);
  });

  it('writes in the requested language', () => {
    expect(normaliseLanguage('中文')).toBe('zh-CN');
    expect(normaliseLanguage('日本語')).toBe('ja');
    const slides = offlineSlides('光伏', 'zh-CN', 5);
    expect(JSON.stringify(slides)).toContain('背景');
  });

  it('renders an outline in the column-0 markdown grammar', () => {
    const md = outlineMarkdown('Solar power', offlineSlides('Solar power', 'en', 5));
    const lines = md.trim().split('\n');
    expect(lines[0]).toBe('# Solar power');
    expect(lines.every((line) => /^(#{1,3} |- )\S/.test(line))).toBe(true);
    expect(lines.filter((l) => l.startsWith('### '))).toHaveLength(5);
  });
});
