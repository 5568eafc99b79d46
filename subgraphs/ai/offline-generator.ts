// The degraded-mode generator: needs no network and always answers. In the foundation it writes a
// plain outline from the topic alone; the AI generation issue makes it use source text and style.
// Output follows the outline grammar and AIPPT slide objects of REST-COMPAT.md.

import type { AipptSlide } from '../../lib/pptist/aippt.js';

export type { AipptSlide };

type Language = 'en' | 'zh-CN' | 'ja';

const WORDS: Record<Language, { intro: string; chapters: string[]; point: (i: number) => string; detail: (topic: string, heading: string) => string; cover: (t: string) => string }> = {
  en: {
    intro: 'An overview',
    chapters: ['Background', 'Key ideas', 'In practice', 'Challenges', 'Outlook'],
    point: (i) => ['What it is', 'Why it matters', 'How it works', 'Who it affects'][i % 4]!,
    detail: (topic, heading) => `${heading} of ${topic}, explained with a concrete example.`,
    cover: (t) => `An overview of ${t}`,
  },
  'zh-CN': {
    intro: '概述',
    chapters: ['背景', '核心概念', '实践应用', '挑战', '展望'],
    point: (i) => ['是什么', '为什么重要', '如何运作', '影响范围'][i % 4]!,
    detail: (topic, heading) => `结合具体案例说明${topic}的${heading}。`,
    cover: (t) => `关于${t}的概述`,
  },
  ja: {
    intro: '概要',
    chapters: ['背景', '主要な考え方', '実践', '課題', '展望'],
    point: (i) => ['概要', '重要性', '仕組み', '影響'][i % 4]!,
    detail: (topic, heading) => `${topic}の${heading}を具体例で説明します。`,
    cover: (t) => `${t}の概要`,
  },
};

export function normaliseLanguage(language: string | null | undefined): Language {
  const value = (language ?? '').toLowerCase();
  if (value.startsWith('zh') || value === '中文') return 'zh-CN';
  if (value.startsWith('ja') || value === '日本語') return 'ja';
  return 'en';
}

/** `slideCount` content pages, spread over chapters, as AIPPT slides (cover, contents, ..., end). */
export function offlineSlides(topic: string, language: string, slideCount: number): AipptSlide[] {
  const words = WORDS[normaliseLanguage(language)];
  const chapterCount = Math.max(1, Math.min(words.chapters.length, Math.ceil(slideCount / 3)));
  const chapters = words.chapters.slice(0, chapterCount);
  const slides: AipptSlide[] = [
    { type: 'cover', data: { title: topic, text: words.cover(topic) } },
    { type: 'contents', data: { items: chapters } },
  ];
  let page = 0;
  chapters.forEach((chapter, c) => {
    slides.push({ type: 'transition', data: { title: chapter, text: `${words.intro}: ${chapter}` } });
    const pages = Math.floor(slideCount / chapterCount) + (c < slideCount % chapterCount ? 1 : 0);
    for (let p = 0; p < pages; p++, page++) {
      const items = [0, 1, 2].map((i) => {
        const heading = words.point(page + i);
        return { title: heading, text: words.detail(topic, heading) };
      });
      slides.push({ type: 'content', data: { title: `${chapter} ${p + 1}`, items } });
    }
  });
  slides.push({ type: 'end', data: {} });
  return slides;
}

/** The outline markdown for the same deck: `#` title, `##` chapter, `###` page, `- ` point. */
export function outlineMarkdown(topic: string, slides: AipptSlide[]): string {
  const lines = [`# ${topic}`];
  for (const slide of slides) {
    if (slide.type === 'transition') lines.push(`## ${slide.data.title}`);
    if (slide.type === 'content') {
      lines.push(`### ${slide.data.title}`);
      for (const item of slide.data.items) lines.push(`- ${item.title}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
