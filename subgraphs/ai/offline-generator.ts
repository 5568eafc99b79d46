// The degraded-mode writer: needs no network, always answers, and answers the same every time. It
// writes an outline from the topic and the source text the user gave (its headings, sentences and
// key phrases), and turns an outline, perhaps edited by the user, into AIPPT slides (REST-COMPAT.md
// section 3). It states nothing the source does not: whatever it cannot take from the source is
// generic framing in the requested language and style.

import type { AipptSlide } from '../../lib/pptist/aippt.js';
import { listItemText, type Outline, type OutlinePage, outlineText, parseOutline, renderOutline } from './outline.js';

export type { AipptSlide };

export type Language = 'en' | 'zh-CN' | 'ja';
export type Style = 'general' | 'academic' | 'business' | 'education' | 'marketing';

const MIN_PAGES = 5;
const MAX_PAGES = 30;
const MIN_CHAPTERS = 3;
const MAX_CHAPTERS = 6;
const MAX_POINTS = 4;
// A pasted document is at most 50k characters (generation-service.ts); beyond that the key phrases
// are settled, so reading further costs time and changes nothing.
const MAX_SOURCE_CHARS = 60_000;

export function normaliseLanguage(language: string | null | undefined): Language {
  const value = (language ?? '').trim().toLowerCase();
  if (value.startsWith('zh') || value.startsWith('chinese') || /中文|汉语|漢語|简体|繁體/.test(value)) return 'zh-CN';
  if (value.startsWith('ja') || /日本語|日语|日文/.test(value)) return 'ja';
  return 'en';
}

const STYLE_NAMES: Record<Style, readonly string[]> = {
  general: ['general', '通用', 'default', 'standard'],
  academic: ['academic', '学术', '学術', 'アカデミック'],
  business: ['business', '职场', 'professional', 'workplace', 'ビジネス'],
  education: ['education', '教育', 'teaching'],
  marketing: ['marketing', '营销', 'promotional', 'マーケティング'],
};
const STYLES = Object.keys(STYLE_NAMES) as Style[];

/** PPTist's 通用 / 学术风 / 职场风 / 教育风 / 营销风 or the English names; anything else is general. */
export function normaliseStyle(style: string | null | undefined): Style {
  const value = (style ?? '').trim().toLowerCase();
  return STYLES.find((name) => STYLE_NAMES[name].some((alias) => value.startsWith(alias))) ?? 'general';
}

// ---------------------------------------------------------------------------------------------
// Wording. Six generic chapters (background, key ideas, practice, impact, challenges, outlook) with
// five pages each give a sensible deck for any topic; their titles follow the style. Pages are
// 'title|point|point|point'; facets are extra pages about a source chapter too thin to fill its share.

type Phrase = (text: string) => string;
type ItemPhrase = (point: string, page: string, topic: string) => string;

interface Phrasebook {
  chapters: Record<Style, readonly string[]>;
  pages: readonly (readonly string[])[];
  facets: readonly string[];
  overview: string;
  genericPoints: readonly string[];
  cover: Record<Style, Phrase>;
  transition: Record<Style, Phrase>;
  items: Record<Style, readonly ItemPhrase[]>;
  /** For a point that is a whole sentence, which does not read well inside another. */
  longItem: readonly Phrase[];
  join: (a: string, b: string) => string;
  list: (items: string[], more: boolean) => string;
  /** A title as it reads inside a sentence. */
  inline: Phrase;
}

// An English title starts with a capital; inside a sentence it does not, unless it is an acronym.
const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text);
const upperFirst = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

const PHRASES: Record<Language, Phrasebook> = {
  en: {
    chapters: {
      general: ['Background', 'Core concepts', 'In practice', 'Value and impact', 'Challenges', 'Outlook'],
      academic: ['Research background', 'Theoretical framework', 'Methods and applications', 'Findings and impact', 'Limitations and debates', 'Conclusions and future work'],
      business: ['Situation analysis', 'Key concepts', 'Business applications', 'Value and returns', 'Risks and challenges', 'Action plan'],
      education: ['Introduction', 'Core knowledge', 'Examples and practice', 'Why it matters', 'Common difficulties', 'Summary and review'],
      marketing: ['Why it matters', 'What makes it stand out', 'Where it shines', 'The value for you', 'Common concerns', 'What comes next'],
    },
    pages: [
      [
        'Definition and scope|Meaning of the term|Boundaries of the subject|Key terms',
        'Origins and history|Early beginnings|Major milestones|Evolution over time',
        'Why it matters now|Current relevance|People affected|What is at stake',
        'The current landscape|Main players|Scale of adoption|Recent developments',
        'Key questions|Questions to answer|Common misconceptions|Structure of this talk',
      ],
      [
        'Core principles|The fundamental idea|Underlying assumptions|Relations between the parts',
        'Key components|Main building blocks|Interactions between components|The most important factors',
        'How it works|Inputs and conditions|Step-by-step process|Outputs and results',
        'Types and variants|Main categories|Differences between types|Choosing the right type',
        'Related concepts|Neighbouring fields|Similarities|Important differences',
      ],
      [
        'Typical applications|Current fields of use|Problems solved|Main beneficiaries',
        'A worked example|The situation|The approach taken|The outcome',
        'Best practices|Proven approaches|Pitfalls to avoid|Practical tips',
        'Tools and resources|Common tools|Useful references|First steps',
        'Measuring success|Key indicators|Evaluation methods|Continuous improvement',
      ],
      [
        'Main benefits|Key advantages|Efficiency and quality gains|Value for people',
        'Impact on society|Effects on daily life|Effects on work|Effects on communities',
        'Economic impact|Costs|Returns|Market changes',
        'Stakeholders|Parties involved|Their interests|Effects on each party',
        'Comparison with alternatives|Other approaches|Relative strengths|Relative weaknesses',
      ],
      [
        'Current limitations|Technical constraints|Cost and resources|Gaps in knowledge',
        'Risks and concerns|Potential downsides|Ethical and social questions|Mitigation strategies',
        'Barriers to adoption|Skills and training|Regulation and standards|Resistance to change',
        'Open questions|Unresolved debates|Areas of uncertainty|Research still needed',
        'Lessons learned|Approaches that failed|Causes of failure|Ways to improve',
      ],
      [
        'Emerging trends|New developments|Drivers of change|Signals to watch',
        'Future directions|Short-term prospects|Long-term vision|Possible scenarios',
        'Opportunities|New possibilities|Room for new value|Potential beneficiaries',
        'Recommendations|Priorities|Practical next steps|Responsibilities',
        'Key takeaways|The main points|Lessons to remember|Questions for discussion',
      ],
    ],
    facets: [
      'Key points of {c}|Main idea|Important details|Lessons to remember',
      'Examples of {c}|A typical case|What the case shows|Lessons learned',
      'Implications of {c}|Practical consequences|People affected|Next steps',
      'Questions about {c}|Open questions|Common misunderstandings|Points for discussion',
      'Summary of {c}|The essentials|Links to the rest|Further reading',
    ],
    overview: 'Overview',
    genericPoints: ['Main idea', 'Relevance', 'Practical use'],
    cover: {
      general: (t) => `A clear overview of ${t}`,
      academic: (t) => `A structured review of ${t}: context, evidence and open questions`,
      business: (t) => `${t}: key insights, impact and next steps`,
      education: (t) => `Understanding ${t}, step by step`,
      marketing: (t) => `Discover what ${t} can do for you`,
    },
    transition: {
      general: (p) => `This part covers ${p}.`,
      academic: (p) => `This section examines ${p}.`,
      business: (p) => `What matters here for decisions: ${p}.`,
      education: (p) => `In this part you will learn about ${p}.`,
      marketing: (p) => `Discover ${p}, and what it means for you.`,
    },
    items: {
      general: [
        (p) => `A closer look at ${p}, and why this matters.`,
        (p) => `${upperFirst(p)}, explained with a concrete example.`,
        (p, _page, t) => `The place of ${p} in the bigger picture of ${t}.`,
      ],
      academic: [
        (p) => `An analysis of ${p} and the evidence behind it.`,
        (p, page) => `${upperFirst(p)}, examined in the context of ${page}.`,
        (p) => `The main arguments and open questions around ${p}.`,
      ],
      business: [
        (p) => `${upperFirst(p)}: what it means for the business, and the action it calls for.`,
        (p) => `${upperFirst(p)}: impact, cost and opportunity.`,
        (p) => `Turning ${p} into measurable results.`,
      ],
      education: [
        (p) => `Learning about ${p} step by step, with an example.`,
        (p) => `${upperFirst(p)}, explained simply, with a question to check understanding.`,
        (p) => `The relevance of ${p}, shown with an everyday example.`,
      ],
      marketing: [
        (p) => `${upperFirst(p)}: a difference you will notice right away.`,
        (p, _page, t) => `${upperFirst(p)}: what makes ${t} stand out.`,
        (p) => `See the real value behind ${p}.`,
      ],
    },
    longItem: [
      (page) => `Why this matters for ${page}, with an example.`,
      (page) => `What this means in practice for ${page}.`,
      () => `The detail behind this point, with a concrete example.`,
    ],
    join: (a, b) => `${a} and ${lowerFirst(b)}`,
    list: (items, more) => {
      const [last, ...rest] = items.map(lowerFirst).reverse();
      if (more) return `${items.map(lowerFirst).join(', ')} and more`;
      return rest.length ? `${rest.reverse().join(', ')} and ${last}` : (last ?? '');
    },
    inline: lowerFirst,
  },
  'zh-CN': {
    chapters: {
      general: ['背景概述', '核心概念', '实践应用', '价值与影响', '挑战与问题', '未来展望'],
      academic: ['研究背景', '理论基础', '方法与应用', '研究发现与影响', '局限与争议', '结论与展望'],
      business: ['现状分析', '核心要点', '业务应用', '价值与收益', '风险与挑战', '行动计划'],
      education: ['课程导入', '基础知识', '案例与练习', '意义与价值', '常见难点', '总结与回顾'],
      marketing: ['为什么值得关注', '独特亮点', '真实场景', '用户价值', '常见顾虑', '未来可期'],
    },
    pages: [
      [
        '定义与范围|基本概念|涵盖的内容|关键术语',
        '起源与发展历程|起源|重要里程碑|演变过程',
        '现实意义|当前的重要性|影响的人群|关键所在',
        '发展现状|主要参与者|应用规模|最新进展',
        '核心问题|需要回答的问题|常见误区|本次内容安排',
      ],
      [
        '基本原理|核心思想|基本假设|各部分之间的关系',
        '关键要素|主要组成部分|要素之间的相互作用|最重要的因素',
        '运作机制|输入与条件|关键步骤|输出与结果',
        '主要类型|常见分类|类型之间的区别|如何选择',
        '相关概念|相关领域|相同之处|主要区别',
      ],
      [
        '典型应用场景|当前的应用领域|解决的问题|受益对象',
        '案例分析|背景情况|采取的做法|取得的效果',
        '最佳实践|成熟的方法|需要避免的误区|实用建议',
        '工具与资源|常用工具|参考资料|入门路径',
        '效果评估|关键指标|评估方法|持续改进',
      ],
      [
        '主要优势|核心优势|效率与质量的提升|带来的价值',
        '社会影响|对日常生活的影响|对工作方式的影响|对社区的影响',
        '经济影响|成本投入|收益回报|市场变化',
        '利益相关方|主要参与方|各方诉求|受到的影响',
        '与其他方案的比较|其他方案|相对优势|不足之处',
      ],
      [
        '现有局限|技术限制|成本与资源|认识上的不足',
        '风险与隐患|潜在的负面影响|伦理与社会问题|应对策略',
        '推广障碍|人才与技能|政策与标准|观念转变',
        '待解决的问题|尚存争议|不确定因素|需要进一步研究的方向',
        '经验与教训|失败的做法|原因分析|改进方向',
      ],
      [
        '发展趋势|新的进展|变化的驱动因素|值得关注的信号',
        '未来方向|近期前景|长远愿景|可能的情景',
        '发展机遇|新的可能性|价值创造空间|受益群体',
        '行动建议|优先事项|具体步骤|责任主体',
        '总结|核心要点|关键结论|讨论与思考',
      ],
    ],
    facets: [
      '{c}的要点|核心观点|重要细节|关键结论',
      '{c}的案例|典型案例|案例启示|经验总结',
      '{c}的影响|实际影响|影响对象|后续行动',
      '关于{c}的思考|待解决的问题|常见误解|讨论要点',
      '{c}小结|核心内容|内在联系|延伸阅读',
    ],
    overview: '概述',
    genericPoints: ['基本概念', '重要意义', '实践要点'],
    cover: {
      general: (t) => `全面了解${t}的核心内容`,
      academic: (t) => `关于${t}的系统梳理与研究思考`,
      business: (t) => `${t}：关键洞察、业务价值与行动方向`,
      education: (t) => `一步一步，轻松学懂${t}`,
      marketing: (t) => `发现${t}的无限可能`,
    },
    transition: {
      general: (p) => `本章将介绍${p}。`,
      academic: (p) => `本章将从研究视角探讨${p}。`,
      business: (p) => `本部分聚焦${p}，明确关键举措。`,
      education: (p) => `本章我们一起来学习${p}。`,
      marketing: (p) => `一起来看看${p}带来的精彩！`,
    },
    items: {
      general: [
        (p) => `围绕${p}展开说明，并结合实例理解其意义。`,
        (p, page) => `${p}是${page}的重要内容。`,
        (p, _page, t) => `结合实际，说明${p}在${t}中的作用。`,
      ],
      academic: [(p) => `从理论与研究的角度分析${p}。`, (p) => `梳理${p}的研究现状与主要观点。`, (p) => `结合相关研究，探讨${p}的意义与局限。`],
      business: [(p) => `分析${p}对业务的影响及应对措施。`, (p) => `聚焦${p}，明确目标、路径与价值。`, (p) => `以结果为导向，落实${p}的关键举措。`],
      education: [(p) => `通过实例一步步理解${p}。`, (p) => `用通俗的语言讲解${p}，并思考其应用。`, (p) => `掌握${p}的知识要点，并联系生活实际。`],
      marketing: [(p) => `${p}，带来看得见的价值。`, (p, _page, t) => `${p}让${t}与众不同。`, (p) => `立即了解${p}的独特优势。`],
    },
    longItem: [(page) => `结合实例说明这一点对${page}的意义。`, (page) => `这一点在${page}中的实际意义。`, () => `围绕这一点展开说明，并给出具体例子。`],
    join: (a, b) => `${a}与${b}`,
    list: (items, more) => (more ? `${items.join('、')}等` : items.length > 1 ? `${items.slice(0, -1).join('、')}和${items.at(-1)}` : (items[0] ?? '')),
    inline: (text) => text,
  },
  ja: {
    chapters: {
      general: ['背景', '主要な考え方', '実践', '価値と影響', '課題', '今後の展望'],
      academic: ['研究の背景', '理論的枠組み', '方法と応用', '知見と影響', '限界と論点', '結論と今後の課題'],
      business: ['現状分析', '重要ポイント', 'ビジネスへの活用', '価値と効果', 'リスクと課題', 'アクションプラン'],
      education: ['導入', '基礎知識', '事例と練習', '学ぶ意義', 'つまずきやすい点', 'まとめと振り返り'],
      marketing: ['注目される理由', '際立つ特長', '活用シーン', '得られる価値', 'よくある不安', 'これからの可能性'],
    },
    pages: [
      [
        '定義と範囲|基本的な意味|対象となる範囲|重要な用語',
        '起源と歴史|始まり|主な出来事|これまでの変化',
        '今なぜ重要か|現在の重要性|影響を受ける人々|問われていること',
        '現状|主な関係者|普及の規模|最近の動向',
        '主要な問い|明らかにしたいこと|よくある誤解|本資料の構成',
      ],
      [
        '基本原理|中心となる考え方|前提条件|全体の関係',
        '主要な構成要素|基本的な要素|要素間の関係|特に重要な要素',
        '仕組み|入力と条件|処理の流れ|出力と結果',
        '種類と分類|主な分類|それぞれの違い|選び方',
        '関連する概念|関連分野|共通点|相違点',
      ],
      [
        '主な活用事例|現在の活用分野|解決する課題|恩恵を受ける人',
        '具体例|状況|取り組み内容|得られた成果',
        'ベストプラクティス|実績のある方法|避けるべき落とし穴|実践のヒント',
        'ツールとリソース|よく使われるツール|参考資料|始め方',
        '成果の測定|主要な指標|評価の方法|継続的な改善',
      ],
      [
        '主なメリット|主な利点|効率と品質の向上|人々にとっての価値',
        '社会への影響|日常生活への影響|働き方への影響|地域社会への影響',
        '経済的な影響|コスト|リターン|市場の変化',
        '関係者|主な関係者|それぞれの関心|受ける影響',
        '他の方法との比較|代替手段|強み|弱み',
      ],
      [
        '現在の限界|技術的な制約|コストとリソース|知識の不足',
        'リスクと懸念|考えられる悪影響|倫理的・社会的な問題|対策',
        '普及の障壁|スキルと人材|規制と標準|変化への抵抗',
        '未解決の問題|議論が続く点|不確実な要素|今後必要な研究',
        '教訓|うまくいかなかったこと|その原因|改善の方向',
      ],
      [
        '新たな動向|最近の進展|変化の要因|注目すべき兆し',
        '今後の方向性|短期的な見通し|長期的なビジョン|想定されるシナリオ',
        '機会|新たな可能性|価値を生み出す領域|恩恵を受ける人',
        '提言|優先事項|具体的な次の一歩|担い手',
        'まとめ|要点|覚えておきたいこと|議論のための問い',
      ],
    ],
    facets: [
      '{c}の要点|中心となる考え|重要な詳細|押さえておきたい点',
      '{c}の事例|代表的な事例|事例からわかること|得られた教訓',
      '{c}の影響|実際の影響|影響を受ける人|次のステップ',
      '{c}に関する問い|未解決の問い|よくある誤解|議論のポイント',
      '{c}のまとめ|重要な内容|全体とのつながり|参考資料',
    ],
    overview: '概要',
    genericPoints: ['基本的な考え方', '重要性', '実践のポイント'],
    cover: {
      general: (t) => `${t}の全体像をわかりやすく紹介します`,
      academic: (t) => `${t}に関する研究の整理と考察`,
      business: (t) => `${t}：現状分析と今後のアクション`,
      education: (t) => `${t}をステップごとに学びましょう`,
      marketing: (t) => `${t}の魅力と可能性を発見しよう`,
    },
    transition: {
      general: (p) => `この章では${p}について紹介します。`,
      academic: (p) => `本章では${p}について考察します。`,
      business: (p) => `このパートでは${p}のポイントを整理します。`,
      education: (p) => `この章では${p}を一緒に学びます。`,
      marketing: (p) => `${p}の魅力に迫ります！`,
    },
    items: {
      general: [(p) => `${p}について、具体例とともに説明します。`, (p) => `${p}が重要な理由を確認します。`, (p, _page, t) => `${t}における${p}の役割を整理します。`],
      academic: [(p) => `${p}を理論と先行研究の観点から分析します。`, (p) => `${p}に関する主な論点と課題を検討します。`, (p) => `${p}の意義と限界を考察します。`],
      business: [(p) => `${p}が事業に与える影響と対応策を整理します。`, (p) => `${p}の目標・施策・成果を明確にします。`, (p) => `${p}を成果につなげる具体的なアクションです。`],
      education: [(p) => `${p}を具体例を使って順を追って学びます。`, (p) => `${p}をわかりやすく解説し、理解を確かめます。`, (p) => `${p}の基本と身近な活用例を紹介します。`],
      marketing: [(p) => `${p}で、違いをすぐに実感できます。`, (p, _page, t) => `${p}が${t}を際立たせる理由をご紹介します。`, (p) => `${p}がもたらす価値をご覧ください。`],
    },
    longItem: [(page) => `この点が${page}にとって持つ意味を具体例で説明します。`, (page) => `${page}におけるこの点の実際の意味を整理します。`, () => `この点について具体例を挙げて説明します。`],
    join: (a, b) => `${a}と${b}`,
    list: (items, more) => `${items.join('、')}${more ? 'など' : ''}`,
    inline: (text) => text,
  },
};

// ---------------------------------------------------------------------------------------------
// Reading source text: its structure (markdown headings or short title lines), its sentences and
// its key phrases. CJK text has no spaces, so Chinese phrases are runs of whole words that recur in
// varied contexts, and Japanese ones are kanji and katakana runs (hiragana is mostly grammar).

interface Sentence {
  id: number;
  text: string;
}

interface Unit {
  titles: string[];
  sentences: Sentence[];
}

interface Group {
  titles: string[];
  units: Unit[];
}

interface SourceDoc {
  title: string;
  sentences: Sentence[];
  groups: Group[];
  structured: boolean;
}

type SourceLine = { kind: 'heading'; level: number; text: string } | { kind: 'text'; text: string; item: boolean } | { kind: 'blank' };

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_RUNS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}ー々〇]+/gu;
const KANA_CHARS = /[\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const HIRAGANA = /\p{Script=Hiragana}/u;
const LATIN_WORDS = /[A-Za-z0-9\u00C0-\u024F]+(?:['’][A-Za-z]+|-[A-Za-z0-9\u00C0-\u024F]+)*/g;
const MD_HEADING = /^\s{0,3}(#{1,6})\s+(.+?)(?:\s+#+)?\s*$/;
const TERMINAL = /[.。!！?？;；,，、]$/;
const SENTENCE_END = '。！？!?';
const CLOSERS = /["'”’」』）)\]】]/;
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'vs', 'etc', 'inc', 'ltd', 'co', 'jr', 'sr', 'fig', 'no', 'approx', 'dept', 'eg', 'ie', 'al']);
// Chapter numbering a title carries ("1.", "1.2", "一、", "第一章", "(一)"): the deck numbers its own.
const NUMBERING = /^(?:第[一二三四五六七八九十百\d]+[章节部分篇]\s*[:：、.．]?\s*|[一二三四五六七八九十]+[、.．]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*|\d+(?:\.\d+)*[.、)．]\s*|\d+\.\d+(?:\.\d+)*\s+)/;

const EN_STOPWORDS = new Set(
  `a about above across after again against all almost along also although always am among an and another any anyone anything are around as at be because become becomes been before being below between both but by can cannot could did do does doing done down during each either else enough especially even ever every few for from further get gets getting give given gives go goes going got had has have having he her here hers herself him himself his how however i if in include includes including into is it its itself just least less like likely made main make makes many may me might more most much must my myself need needs neither never new no nor not now of off often on once one only onto or other others our ours ourselves out over own per perhaps quite rather really same see seen several shall she should show shows since so some something such than that the their theirs them themselves then there therefore these they thing things this those though through thus to too toward towards under until up upon us use used uses using usually very via was way ways we well were what whatever when where whether which while who whom whose why will with within without would yet you your yours yourself yourselves able based new first second third lot lots example examples instance percent today year years time times number part kind day days anywhere everywhere somewhere also`.split(
    ' ',
  ),
);
// Chinese: characters that are almost always grammar split runs; others may not start or end a phrase.
const ZH_SPLIT = new Set([...'的了着吗呢吧啊是和与及或而被把']);
const ZH_EDGE = new Set([...'在对从将之其这那些也都就并且但又还很最等让使所到给我你他她它们得已该每各某此于']);
const ZH_STOPWORDS = new Set(
  '我们 你们 他们 它们 她们 一个 一种 一些 这个 那个 这些 那些 这种 那种 这样 那样 可以 可能 能够 应该 需要 已经 没有 不是 就是 还是 但是 因为 所以 如果 虽然 因此 然而 而且 并且 以及 以上 以下 其中 其他 同时 目前 通过 进行 成为 作为 对于 关于 由于 根据 随着 之间 之后 之前 之一 时候 自己 什么 如何 怎么 为了 非常 更加 十分 越来 来越 主要 重要 不同 各种 一定 一样 包括 例如 比如 提供 实现 具有 利用 使用 方面 情况 不仅 不断 逐渐 正在 日益'.split(' '),
);
const JA_STOPWORDS = new Set('場合 必要 可能 以上 以下 一方 今回 自分 我々 以外 以前 以後 以降 現在 非常 最近 様々 一部 全体 一般 特定 各種 部分 方法 結果'.split(' '));

const CJK_CHARS = new RegExp(CJK_CHAR.source, 'gu');
const charCount = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
const isCjkText = (text: string) => charCount(text, CJK_CHARS) * 2 >= text.replace(/\s/g, '').length;
/** For comparing texts: lower case, letters and digits only. */
const compact = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const withoutEndPunctuation = (text: string) => text.replace(/[\s.。!！?？;；,，、:：…]+$/u, '').trim();

function stem(word: string): string {
  const lower = word.toLowerCase();
  if (lower.length > 4 && lower.endsWith('ies')) return `${lower.slice(0, -3)}y`;
  if (lower.length > 3 && lower.endsWith('s') && !/(ss|us|is)$/.test(lower)) return lower.slice(0, -1);
  return lower;
}

function isContentWord(word: string): boolean {
  const lower = word.toLowerCase();
  if (EN_STOPWORDS.has(lower) || /^\d+$/.test(word)) return false;
  return lower.length >= 3 || /\d/.test(word) || /^[A-Z]{2,}$/.test(word);
}

/** Inline markdown and HTML reduced to their text. */
function plainText(line: string): string {
  return line
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*\*|__|`/g, '')
    .replace(/^\s*>\s?/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function sourceLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  let inFence = false;
  for (const raw of text.replace(/<!--[\s\S]*?-->/g, '').split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(raw)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || /^\s*\|/.test(raw) || /^\s*([-*_])(\s*\1){2,}\s*$/.test(raw)) continue;
    const heading = MD_HEADING.exec(raw);
    if (heading) {
      const title = plainText(heading[2]!).replace(NUMBERING, '');
      if (title) lines.push({ kind: 'heading', level: heading[1]!.length, text: title });
      continue;
    }
    const item = listItemText(raw);
    const content = plainText(item ?? raw);
    if (!content) {
      lines.push({ kind: 'blank' });
      continue;
    }
    const previous = lines.at(-1);
    // Hard-wrapped text: a long line without an ending, or a list item, continues on the next line
    // (an item only on an indented one).
    const wrapped = previous?.kind === 'text' && !TERMINAL.test(previous.text) && (previous.item ? /^\s+\S/.test(raw) : previous.text.length >= 50);
    if (item === null && wrapped) {
      const glue = CJK_CHAR.test(previous.text.at(-1)!) && CJK_CHAR.test(content[0]!) ? '' : ' ';
      previous.text += glue + content;
      continue;
    }
    lines.push({ kind: 'text', text: content, item: item !== null });
  }
  return lines;
}

/** A line that reads as a title: short, no sentence inside, no ending punctuation but a colon. */
function titleShaped(text: string): boolean {
  const title = text.replace(/[:：]$/, '').trim();
  if (!title || TERMINAL.test(title) || /[。！？!?]/.test(title) || /\.\s/.test(title)) return false;
  if (isCjkText(title)) return title.length <= 24;
  return title.length <= 70 && title.split(' ').length <= 10;
}

/** Plain text has no `#`: short lines followed by a body become chapter headings, a first title line the document's. */
function titleLinesAsHeadings(lines: SourceLine[]): SourceLine[] {
  const content = lines.flatMap((line, index) => (line.kind === 'text' ? [{ line, index }] : []));
  const titles = new Set<number>();
  content.forEach(({ line, index }, at) => {
    const next = content[at + 1]?.line;
    if (!next || !titleShaped(line.text)) return;
    // "1. Introduction" over a paragraph is a heading; over "2. Method" it is a list.
    const body = line.item ? !next.item && !titleShaped(next.text) : next.item || !titleShaped(next.text);
    if (body) titles.add(index);
  });
  const first = content[0];
  let docTitle = -1;
  if (first && !first.line.item && titleShaped(first.line.text) && (!titles.has(first.index) || titles.size === 1)) docTitle = first.index;
  titles.delete(docTitle);
  if (titles.size < 2 && docTitle < 0) return lines;
  return lines.map((line, index): SourceLine => {
    if (line.kind !== 'text') return line;
    if (index === docTitle) return { kind: 'heading', level: 1, text: line.text.replace(/[:：]$/, '') };
    if (titles.size >= 2 && titles.has(index)) return { kind: 'heading', level: 2, text: line.text.replace(/[:：]$/, '').replace(NUMBERING, '') };
    return line;
  });
}

function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const ends = SENTENCE_END.includes(ch) || (ch === '.' && isSentenceDot(text, i));
    if (!ends) continue;
    let end = i + 1;
    while (end < text.length && (CLOSERS.test(text[end]!) || SENTENCE_END.includes(text[end]!) || text[end] === '.')) end++;
    sentences.push(text.slice(start, end));
    start = end;
    i = end - 1;
  }
  sentences.push(text.slice(start));
  return sentences.map((s) => s.trim()).filter(Boolean);
}

function isSentenceDot(text: string, at: number): boolean {
  const next = text[at + 1];
  if (next !== undefined && !/\s/.test(next)) return false;
  const word = /([A-Za-z]+)$/.exec(text.slice(Math.max(0, at - 12), at))?.[1];
  return !word || !(ABBREVIATIONS.has(word.toLowerCase()) || /^[A-Z]$/.test(word));
}

/** Enough to say something: a few words or CJK characters (a list item may be shorter). */
function meaningful(text: string, item: boolean): boolean {
  const cjk = charCount(text, CJK_CHARS);
  const words = text.match(LATIN_WORDS)?.length ?? 0;
  return cjk + 2 * words >= (item ? 2 : 4);
}

function readSource(sourceText: string, overview: string): SourceDoc {
  let lines = sourceLines(sourceText.slice(0, MAX_SOURCE_CHARS));
  if (!lines.some((line) => line.kind === 'heading')) lines = titleLinesAsHeadings(lines);
  const headings = lines.filter((line) => line.kind === 'heading');
  const top = Math.min(...headings.map((h) => h.level));
  const atTop = headings.filter((h) => h.level === top);
  // One top heading first of all is the document's title; chapters are the next level down.
  const docHeading = atTop.length === 1 && headings[0] === atTop[0] ? atTop[0] : undefined;
  const chapterLevel = Math.min(...headings.filter((h) => h !== docHeading).map((h) => h.level));

  const sentences: Sentence[] = [];
  const groups: Group[] = [];
  let group: Group | undefined;
  let unit: Unit | undefined;
  const newGroup = (titles: string[]): Group => {
    const created: Group = { titles, units: [] };
    groups.push(created);
    return created;
  };
  for (const line of lines) {
    if (line.kind === 'blank' || line === docHeading) continue;
    if (line.kind === 'heading') {
      if (line.level <= chapterLevel) {
        group = newGroup([line.text]);
        unit = undefined;
      } else {
        group ??= newGroup([]);
        unit = { titles: [line.text], sentences: [] };
        group.units.push(unit);
      }
      continue;
    }
    const found = splitSentences(line.text).filter((text) => meaningful(text, line.item));
    if (!found.length) continue;
    group ??= newGroup([]);
    if (!unit) {
      unit = { titles: [], sentences: [] };
      group.units.push(unit);
    }
    for (const text of found) {
      const sentence = { id: sentences.length, text };
      sentences.push(sentence);
      unit.sentences.push(sentence);
    }
  }
  const structured = groups.some((g) => g.titles.length > 0);
  // Text before the first chapter is the document's introduction.
  if (structured && groups[0]?.titles.length === 0) groups[0].titles.push(overview);
  for (const g of groups) if (!g.units.length) g.units.push({ titles: g.titles.slice(), sentences: [] });
  return { title: docHeading?.kind === 'heading' ? docHeading.text : '', sentences, groups, structured };
}

interface KeyPhrase {
  display: string;
  /** Stems joined by a space for Latin phrases; the characters themselves for CJK ones. */
  key: string;
  latin: boolean;
  freq: number;
  first: number;
  score: number;
}

interface Analysis {
  phrases: KeyPhrase[];
  /** Sentence ids each ranked phrase occurs in, in phrase order. */
  occurrences: Set<number>[];
  weights: number[];
}


/** Ranked key phrases of the sentences: frequent content words and word pairs, CJK terms. */
function analyse(sentences: Sentence[]): Analysis {
  const found = new Map<string, KeyPhrase>();
  // Where each Latin phrase occurs is known while counting; CJK ones are looked up in the text.
  const latinIn = new Map<string, Set<number>>();
  let order = 0;
  const count: Counter = (key, display, latin, weight, times = 1) => {
    const known = found.get(key);
    if (known) known.freq += times;
    else found.set(key, { key, display, latin, freq: times, first: order++, score: weight });
  };

  const countLatin = (id: number, key: string, display: string, weight: number) => {
    count(key, display, true, weight);
    const ids = latinIn.get(key);
    if (ids) ids.add(id);
    else latinIn.set(key, new Set([id]));
  };
  for (const { id, text } of sentences) {
    for (const clause of text.split(/[,;:()"“”，；：（）、]/)) {
      const words = clause.match(LATIN_WORDS) ?? [];
      words.forEach((word, i) => {
        if (!isContentWord(word)) return;
        if (!/(ed|ly)$/.test(word) || word.length < 5) countLatin(id, stem(word), word, 1);
        const next = words[i + 1];
        if (next && isContentWord(next) && !/(ly|ed)$/.test(next)) {
          // Seen once, a pair names a page only when it looks like a noun phrase ("photovoltaic cells").
          countLatin(id, `${stem(word)} ${stem(next)}`, `${word} ${next}`, ADJECTIVE_ENDING.test(word) ? 1.2 : 0.9);
        }
      });
    }
  }
  const cjk = sentences.flatMap(({ text }) => text.match(CJK_RUNS) ?? []);
  const cjkChars = cjk.reduce((n, run) => n + run.length, 0);
  const kana = cjk.reduce((n, run) => n + charCount(run, KANA_CHARS), 0);
  if (kana * 10 > cjkChars) for (const run of cjk) japaneseTerms(run, count);
  else if (cjkChars) chineseTerms(sentences, count);

  const phrases = [...found.values()];
  // A part counts only where it stands alone: a CJK term inside a longer one ("系统" in "储能系统")
  // and an English modifier in its pairs ("solar" in "solar power" and "solar panels") are that phrase.
  const inside = new Map<string, number>();
  for (const long of phrases) {
    const parts = long.latin ? (long.key.includes(' ') ? [long.key.split(' ')[0]!] : []) : substrings(long.key);
    for (const part of parts) inside.set(part, (inside.get(part) ?? 0) + long.freq);
  }
  const absorbed = new Set<string>();
  for (const phrase of phrases) {
    const alone = phrase.freq - (inside.get(phrase.key) ?? 0);
    if (alone * 3 <= phrase.freq) absorbed.add(phrase.key);
    else if (!phrase.latin) phrase.freq = alone;
  }
  const ranked = phrases
    .filter((p) => !absorbed.has(p.key))
    .map((p) => ({ ...p, score: (p.latin && p.freq === 1 && p.key.includes(' ') ? p.score : p.freq * Math.max(1, p.score)) + p.key.length / 100 }))
    .sort((a, b) => b.score - a.score || a.first - b.first)
    .slice(0, 80);

  const occurrences = ranked.map((phrase) => latinIn.get(phrase.key) ?? new Set(sentences.filter(({ text }) => text.includes(phrase.key)).map(({ id }) => id)));
  const weights = sentences.map(({ id, text }) => {
    let weight = 0;
    ranked.forEach((phrase, i) => {
      if (occurrences[i]!.has(id)) weight += phrase.score;
    });
    return weight / Math.sqrt(Math.max(1, text.length / 40));
  });
  return { phrases: ranked, occurrences, weights };
}

/**
 * A passage condensed without a model (AI writing's offline CONDENSE): the sentences that carry the
 * most key phrases, about `share` of them, in their original order.
 */
export function keySentences(text: string, share: number): string {
  const sentences = text
    .split(/\n+/)
    .flatMap((line) => splitSentences(plainText(line)))
    .map((sentence, id) => ({ id, text: sentence }));
  if (sentences.length <= 1) return sentences[0]?.text ?? text.trim();
  const { weights } = analyse(sentences);
  const keep = Math.max(1, Math.round(sentences.length * share));
  const chosen = sentences
    .map(({ id }) => id)
    .sort((a, b) => weights[b]! - weights[a]! || a - b)
    .slice(0, keep)
    .sort((a, b) => a - b);
  return chosen.map((id) => sentences[id]!.text).join(isCjkText(text) ? '' : ' ');
}

function substrings(text: string): string[] {
  const parts: string[] = [];
  for (let n = 2; n < text.length; n++) for (let i = 0; i + n <= text.length; i++) parts.push(text.slice(i, i + n));
  return parts;
}

type Counter = (key: string, display: string, latin: boolean, weight: number, times?: number) => void;

const ADJECTIVE_ENDING = /(al|ic|ar|ive|ous|ent|ant|ary|ful|less|able|ible|ine)$/i;
const CJK_MIN = 2;
const CJK_MAX = 6;
// Term extraction settles long before 50k characters; segmenting costs about 2 µs a character.
const MAX_CHINESE_CHARS = 12_000;
const lengthWeight = (length: number) => 1 + 0.25 * (Math.min(length, CJK_MAX) - CJK_MIN);
const HAN_WORD = /^[\p{Script=Han}〇々]+$/u;
// ICU's dictionary knows where Chinese words end, so an n-gram never starts or ends inside a word
// ("直流电" gives no "流电"); without it (a small-ICU Node) every character is a word.
const zhWords = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter('zh', { granularity: 'word' }) : null;

/**
 * Chinese terms: runs of 2..6 characters made of whole words, seen at least twice, next to at least
 * two different words on either side (a fragment of a longer term always has the same neighbour),
 * that neither start nor end with a function character or word.
 */
function chineseTerms(sentences: Sentence[], count: Counter): void {
  const pieces: string[][] = [];
  let budget = MAX_CHINESE_CHARS;
  for (const { text } of sentences) {
    if (budget <= 0) break;
    budget -= text.length;
    let piece: string[] = [];
    for (const word of zhWords ? Array.from(zhWords.segment(text), (s) => s.segment) : [...text]) {
      if (HAN_WORD.test(word) && !ZH_SPLIT.has(word)) {
        piece.push(word);
        continue;
      }
      if (piece.length) pieces.push(piece);
      piece = [];
    }
    if (piece.length) pieces.push(piece);
  }
  const each = (visit: (gram: string, from: number, to: number, piece: string[]) => void) => {
    for (const piece of pieces) {
      for (let from = 0; from < piece.length; from++) {
        let gram = '';
        for (let to = from; to < piece.length; to++) {
          gram += piece[to];
          if (gram.length > CJK_MAX) break;
          if (gram.length >= CJK_MIN) visit(gram, from, to, piece);
        }
      }
    }
  };
  const freq = new Map<string, number>();
  each((gram) => freq.set(gram, (freq.get(gram) ?? 0) + 1));
  const contexts = new Map<string, { left: Set<string>; right: Set<string>; rejected: boolean }>();
  let edges = 0;
  const isEdgeWord = (word: string) => (word.length === 1 && ZH_EDGE.has(word)) || ZH_STOPWORDS.has(word);
  each((gram, from, to, piece) => {
    if (freq.get(gram)! < 2) return;
    let context = contexts.get(gram);
    if (!context) {
      const stop = isEdgeWord(piece[from]!) || isEdgeWord(piece[to]!) || [2, 3].some((n) => ZH_STOPWORDS.has(gram.slice(0, n)) || ZH_STOPWORDS.has(gram.slice(-n)));
      contexts.set(gram, (context = { left: new Set(), right: new Set(), rejected: stop }));
    }
    // The start or end of a run is a new context every time.
    context.left.add(from > 0 ? piece[from - 1]! : `^${edges++}`);
    context.right.add(to + 1 < piece.length ? piece[to + 1]! : `$${edges++}`);
  });
  for (const [gram, { left, right, rejected }] of contexts) {
    if (!rejected && Math.min(left.size, right.size) >= 2) count(gram, gram, false, lengthWeight(gram.length), freq.get(gram));
  }
}

/** Japanese terms: runs of kanji or of katakana; the hiragana between them is mostly grammar. */
function japaneseTerms(run: string, count: Counter): void {
  for (const term of run.match(/[\p{Script=Han}々〇]{2,10}|[\p{Script=Katakana}ー]{2,}/gu) ?? []) {
    if (/^ー+$/.test(term) || JA_STOPWORDS.has(term)) continue;
    count(term, term, false, lengthWeight(term.length));
  }
}

/** Words and CJK character pairs, for matching a point with the source sentence it came from. */
function overlapTokens(text: string): Set<string> {
  const tokens = new Set<string>();
  for (const word of text.match(LATIN_WORDS) ?? []) if (isContentWord(word) || /^[A-Z0-9]{2,}$/.test(word)) tokens.add(stem(word));
  for (const run of text.match(CJK_RUNS) ?? []) {
    if (run.length === 1 && !ZH_SPLIT.has(run) && !HIRAGANA.test(run)) tokens.add(run);
    for (let i = 0; i + 2 <= run.length; i++) {
      const pair = run.slice(i, i + 2);
      if (!HIRAGANA.test(pair) && !ZH_SPLIT.has(pair[0]!) && !ZH_SPLIT.has(pair[1]!)) tokens.add(pair);
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// The outline.

export interface OfflineOutlineInput {
  topic: string;
  sourceText?: string | null;
  language?: string | null;
  style?: string | null;
  slideCount: number;
}

/** Outline markdown with exactly `slideCount` (5..30) content pages in 3 to 6 chapters. */
export function offlineOutline(input: OfflineOutlineInput): string {
  return renderOutline(writeOutline(input));
}

function writeOutline(input: OfflineOutlineInput): Outline {
  const book = PHRASES[normaliseLanguage(input.language)];
  const style = normaliseStyle(input.style);
  const pages = Number.isFinite(input.slideCount) ? Math.min(MAX_PAGES, Math.max(MIN_PAGES, Math.round(input.slideCount))) : 10;
  const topic = outlineText(input.topic ?? '');
  const source = input.sourceText?.trim() ? readSource(input.sourceText, book.overview) : null;
  if (!source || !source.sentences.length && !source.structured) return topicOutline(topic, pages, book, style);
  return sourceOutline(source, topic, pages, book, style);
}

// Which of the six generic chapters a deck of n chapters uses: background and key ideas first, the
// outlook last, practice, challenges and impact as room allows.
const SKELETONS: Record<number, number[]> = { 3: [0, 1, 5], 4: [0, 1, 2, 5], 5: [0, 1, 2, 4, 5], 6: [0, 1, 2, 3, 4, 5] };
// The order generic chapters join a deck built from a source: a closing outlook, then the background.
const FILL_ORDER = [5, 0, 1, 2, 4, 3];

const chapterCountFor = (pages: number) => Math.min(MAX_CHAPTERS, Math.max(MIN_CHAPTERS, Math.ceil(pages / 4)));

/** `total` split into `parts` near-equal whole shares, the larger first. */
function spread(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}

function page(entry: string, chapter = ''): OutlinePage {
  const [title, ...points] = entry.split('|');
  return { title: title!.replace('{c}', chapter), points };
}

/** The generic pages of skeleton chapter `index`; a deck's last chapter ends with its closing page. */
function skeletonPages(book: Phrasebook, index: number, count: number, closing: boolean): OutlinePage[] {
  const table = book.pages[index]!;
  const picked = closing && count < table.length ? [...table.slice(0, count - 1), table.at(-1)!] : table.slice(0, count);
  return picked.map((entry) => page(entry));
}

function topicOutline(topic: string, pages: number, book: Phrasebook, style: Style): Outline {
  const picks = SKELETONS[chapterCountFor(pages)]!;
  const counts = spread(pages, picks.length);
  return {
    title: topic,
    chapters: picks.map((index, i) => ({
      title: book.chapters[style][index]!,
      pages: skeletonPages(book, index, counts[i]!, i === picks.length - 1),
    })),
  };
}

const sentenceCount = (units: Unit[]) => units.reduce((n, u) => n + u.sentences.length, 0);

/** Half of a group's units or sentences become a new chapter; false when it has too little. */
function splitLargestGroup(groups: Group[]): boolean {
  let best = -1;
  groups.forEach((g, i) => {
    const splittable = g.units.length > 1 || (g.units[0]?.sentences.length ?? 0) > 1;
    if (splittable && (best < 0 || sentenceCount(g.units) > sentenceCount(groups[best]!.units))) best = i;
  });
  if (best < 0) return false;
  const g = groups[best]!;
  let halves: [Unit[], Unit[]];
  if (g.units.length > 1) {
    const total = sentenceCount(g.units);
    let cut = 1;
    for (let seen = g.units[0]!.sentences.length; cut < g.units.length - 1 && seen * 2 < total; cut++) seen += g.units[cut]!.sentences.length;
    halves = [g.units.slice(0, cut), g.units.slice(cut)];
  } else {
    const only = g.units[0]!;
    const half = Math.ceil(only.sentences.length / 2);
    halves = [[{ titles: only.titles, sentences: only.sentences.slice(0, half) }], [{ titles: [], sentences: only.sentences.slice(half) }]];
  }
  groups.splice(best, 1, { titles: g.titles, units: halves[0] }, { titles: [], units: halves[1] });
  return true;
}

/** Merges the neighbours with the least content; each keeps its heading on its own pages. */
function mergeSmallestGroups(groups: Group[]): void {
  let best = 0;
  const size = (g: Group) => sentenceCount(g.units) + g.units.length;
  for (let i = 1; i + 1 < groups.length; i++) if (size(groups[i]!) + size(groups[i + 1]!) < size(groups[best]!) + size(groups[best + 1]!)) best = i;
  const [a, b] = [groups[best]!, groups[best + 1]!];
  const lift = (g: Group) => g.units.map((u) => (u.titles.length || g.titles.length !== 1 ? u : { ...u, titles: g.titles.slice() }));
  groups.splice(best, 2, { titles: [...a.titles, ...b.titles], units: [...lift(a), ...lift(b)] });
}

/** Page counts per group, at most `budget`: every group one, then its sections, then its sentences. */
function allocatePages(groups: Group[], budget: number): number[] {
  const counts = groups.map((g) => g.units.length);
  const sum = () => counts.reduce((a, b) => a + b, 0);
  while (sum() > budget) {
    const largest = counts.lastIndexOf(Math.max(...counts));
    if (counts[largest]! <= 1) break;
    counts[largest]! -= 1;
  }
  // A page takes two sentences while the source allows, one when it is short.
  for (const perPage of [2, 1]) {
    const capacity = groups.map((g) => g.units.reduce((n, u) => n + Math.max(1, Math.floor(u.sentences.length / perPage)), 0));
    while (sum() < budget) {
      let best = -1;
      counts.forEach((c, i) => {
        if (c >= capacity[i]!) return;
        if (best < 0 || sentenceCount(groups[i]!.units) / c > sentenceCount(groups[best]!.units) / counts[best]!) best = i;
      });
      if (best < 0) break;
      counts[best]! += 1;
    }
  }
  return counts;
}

/** A group's units merged or split into exactly `count` pages (fewer only when it runs out of sentences). */
function unitsToPages(units: Unit[], count: number): Unit[] {
  const merged = units.map((u) => ({ titles: u.titles.slice(), sentences: u.sentences.slice() }));
  while (merged.length > count) {
    let best = 0;
    for (let i = 1; i + 1 < merged.length; i++) {
      if (merged[i]!.sentences.length + merged[i + 1]!.sentences.length < merged[best]!.sentences.length + merged[best + 1]!.sentences.length) best = i;
    }
    const [a, b] = [merged[best]!, merged[best + 1]!];
    merged.splice(best, 2, { titles: [...a.titles, ...b.titles], sentences: [...a.sentences, ...b.sentences] });
  }
  const pieces = merged.map(() => 1);
  for (let total = merged.length; total < count; total++) {
    let best = -1;
    merged.forEach((u, i) => {
      if (pieces[i]! >= u.sentences.length) return;
      if (best < 0 || u.sentences.length / pieces[i]! > merged[best]!.sentences.length / pieces[best]!) best = i;
    });
    if (best < 0) break;
    pieces[best]! += 1;
  }
  return merged.flatMap((u, i) =>
    spread(u.sentences.length, pieces[i]!).map((size, j, sizes) => {
      const from = sizes.slice(0, j).reduce((a, b) => a + b, 0);
      return { titles: j === 0 ? u.titles : [], sentences: u.sentences.slice(from, from + size) };
    }),
  );
}

function sourceOutline(source: SourceDoc, topic: string, pages: number, book: Phrasebook, style: Style): Outline {
  const analysis = analyse(source.sentences);
  const groups = source.groups.map((g) => ({ titles: g.titles.slice(), units: g.units.slice() }));
  const maxChapters = Math.min(MAX_CHAPTERS, pages);
  while (groups.length > maxChapters) mergeSmallestGroups(groups);
  const wanted = Math.min(maxChapters, source.structured ? Math.max(MIN_CHAPTERS, groups.length) : chapterCountFor(pages));
  while (groups.length < wanted && splitLargestGroup(groups));

  // Generic chapters make up what the source cannot: at least three chapters, and every page.
  let generic = Math.max(0, MIN_CHAPTERS - groups.length);
  const counts = allocatePages(groups, pages - generic);
  let fill = pages - counts.reduce((a, b) => a + b, 0);
  while (generic < MAX_CHAPTERS - groups.length && fill > generic * book.pages[0]!.length) generic += 1;
  const genericShare = Math.min(fill, generic * book.pages[0]!.length);
  const genericCounts = spread(genericShare, generic);
  fill -= genericShare;

  // Headings name first; key phrases then name chapters, then pages, each used once.
  const namer = new PageNamer(analysis, book, topic);
  const pagesOf = groups.map((g, i) => unitsToPages(g.units, counts[i]!));
  const chapterTitles = groups.map((g) => namer.explicit(g.titles));
  const pageTitles = pagesOf.map((units) => units.map((u) => namer.explicit(u.titles)));
  const built = groups.map((g, i) => {
    const sentences = g.units.flatMap((u) => u.sentences);
    const title = chapterTitles[i] ?? namer.fromSentences(sentences, g.units.find((u) => u.titles.length)?.titles[0]);
    return { title, pages: [] as OutlinePage[] };
  });
  pagesOf.forEach((units, i) => {
    const chapter = built[i]!;
    units.forEach((unit, j) => {
      const title = pageTitles[i]![j] ?? namer.fromSentences(unit.sentences, undefined, chapter.title);
      chapter.pages.push({ title, points: pointsOf(unit.sentences, analysis, book) });
    });
  });
  // Whatever the source and the generic chapters leave over: facet pages about the thinnest chapters.
  for (let n = 0; fill > 0; n++, fill--) {
    const chapter = built.reduce((least, c) => (c.pages.length < least.pages.length ? c : least), built[0]!);
    const facet = n % book.facets.length;
    const round = Math.floor(n / book.facets.length);
    const extra = page(book.facets[facet]!, book.inline(chapter.title));
    if (round > 0) extra.title += ` (${round + 1})`;
    chapter.pages.push(extra);
  }

  const chosen = FILL_ORDER.slice(0, generic);
  const front = chosen.filter((i) => i < 2).sort();
  const back = chosen.filter((i) => i >= 2).sort();
  const genericChapter = (index: number, at: number, closing: boolean) => ({
    title: book.chapters[style][index]!,
    pages: skeletonPages(book, index, genericCounts[at]!, closing),
  });
  return {
    title: topic || source.title || analysis.phrases[0]?.display || built[0]?.title || '',
    chapters: [
      ...front.map((index) => genericChapter(index, chosen.indexOf(index), false)),
      ...built,
      ...back.map((index, i) => genericChapter(index, chosen.indexOf(index), i === back.length - 1)),
    ].filter((c) => c.pages.length > 0),
  };
}

/** Up to four points from a page's sentences: the richest in key phrases, in the source's order. */
function pointsOf(sentences: Sentence[], analysis: Analysis, book: Phrasebook): string[] {
  if (!sentences.length) return [...book.genericPoints];
  const chosen =
    sentences.length <= MAX_POINTS
      ? sentences
      : sentences
          .slice()
          .sort((a, b) => analysis.weights[b.id]! - analysis.weights[a.id]! || a.id - b.id)
          .slice(0, MAX_POINTS)
          .sort((a, b) => a.id - b.id);
  const seen = new Set<string>();
  return chosen.map((s) => pointFrom(s.text)).filter((point) => point && !seen.has(compact(point)) && seen.add(compact(point)));
}

/** A sentence as a point: whole when short, else its longest run of clauses that is, else cut at a word. */
function pointFrom(sentence: string): string {
  const text = withoutEndPunctuation(sentence);
  const cjk = isCjkText(text);
  const fits = (t: string) => (cjk ? t.length <= 32 : t.length <= 110 && t.split(' ').length <= 16);
  const bigEnough = (t: string) => (cjk ? t.length >= 4 : t.split(' ').length >= 3);
  if (fits(text)) return text;
  // "、" is a comma in Japanese but separates the items of one list in Chinese.
  const clauses = text.split(HIRAGANA.test(text) ? /(?<=[,;:])\s+|(?<=[，；：、])\s*/ : /(?<=[,;:])\s+|(?<=[，；：])\s*/);
  let best = '';
  for (let from = 0; from < clauses.length; from++) {
    for (let to = from; to < clauses.length; to++) {
      const span = withoutEndPunctuation(clauses.slice(from, to + 1).join(cjk ? '' : ' '));
      if (!fits(span)) break;
      if (bigEnough(span) && span.length > best.length) best = span;
    }
  }
  if (best) return best;
  return cjk ? `${text.slice(0, 30)}…` : `${text.split(' ').slice(0, 14).join(' ')}…`;
}

/** Chooses titles: the source's headings where it has them, else a key phrase no other title uses. */
class PageNamer {
  private readonly used: string[] = [];

  constructor(
    private readonly analysis: Analysis,
    private readonly book: Phrasebook,
    private readonly topic: string,
  ) {}

  explicit(titles: string[]): string | null {
    // Merged sections: two read as "A and B", more go by the first.
    const title = titles.length === 2 ? this.book.join(titles[0]!, titles[1]!) : (titles[0] ?? null);
    if (title) this.used.push(compact(title));
    return title;
  }

  /** A chapter falls back on its first section's heading, a page on its opening words, then its chapter. */
  fromSentences(sentences: Sentence[], heading: string | undefined, chapter?: string): string {
    const ids = new Set(sentences.map((s) => s.id));
    const candidates = this.analysis.phrases
      .map((phrase, i) => {
        let hits = 0;
        for (const id of this.analysis.occurrences[i]!) if (ids.has(id)) hits += 1;
        return { phrase, score: hits * phrase.score };
      })
      .filter((c) => c.score > 0)
      .sort((a, b) => b.score - a.score);
    // Best a phrase no title contains or is part of; else one no title is; else words of the text.
    const phrase =
      candidates.find((c) => !this.overlaps(c.phrase.display))?.phrase ??
      (heading ? undefined : candidates.find((c) => !this.used.includes(compact(c.phrase.display)) && compact(c.phrase.display) !== compact(this.topic))?.phrase);
    const title = phrase ? upperFirst(phrase.display) : heading || this.openingWords(sentences[0]) || chapter || this.book.overview;
    this.used.push(compact(title));
    return title;
  }

  private overlaps(candidate: string): boolean {
    const key = compact(candidate);
    return key === compact(this.topic) || this.used.some((used) => used.includes(key) || key.includes(used));
  }

  /** The opening words of a sentence, when no key phrase is left to name a page. */
  private openingWords(sentence: Sentence | undefined): string {
    if (!sentence) return '';
    const clause = withoutEndPunctuation(sentence.text.split(/[,，;；:：(（—]/)[0]!);
    if (!isCjkText(clause)) return upperFirst(clause.split(' ').slice(0, 6).join(' '));
    if (clause.length <= 12 || !zhWords) return clause.slice(0, 12);
    let cut = '';
    for (const { segment } of zhWords.segment(clause)) {
      if ((cut + segment).length > 12) break;
      cut += segment;
    }
    return cut.replace(/[的了是和与及或在对把被将为]+$/u, '') || clause.slice(0, 12);
  }
}

// ---------------------------------------------------------------------------------------------
// Slides.

export interface OfflineSlidesInput {
  outline: string | Outline;
  sourceText?: string | null;
  language?: string | null;
  style?: string | null;
}

/** AIPPT slides for an outline: cover, contents, per chapter a transition and its pages, end. */
export function offlineSlides(input: OfflineSlidesInput): AipptSlide[] {
  const outline = typeof input.outline === 'string' ? parseOutline(input.outline) : input.outline;
  const book = PHRASES[normaliseLanguage(input.language)];
  const style = normaliseStyle(input.style);
  const chapters = outline.chapters.map((c) => ({
    title: outlineText(c.title),
    pages: c.pages.map((p) => ({ title: outlineText(p.title), points: p.points.map(outlineText).filter(Boolean) })),
  }));
  const topic = outlineText(outline.title) || chapters[0]?.title || '';
  const matcher = input.sourceText?.trim() ? new SentenceMatcher(readSource(input.sourceText, book.overview).sentences) : null;
  const templates = book.items[style];
  let generic = 0;
  const elaborate = (point: string, pageTitle: string, siblings: string[]) => {
    const fromSource = matcher?.best(point, siblings);
    if (fromSource) return fromSource;
    const bare = withoutEndPunctuation(point);
    const sentenceLike = isCjkText(bare) ? bare.length > 14 : bare.split(' ').length > 4;
    const n = generic++;
    if (sentenceLike) return book.longItem[n % book.longItem.length]!(book.inline(pageTitle));
    return templates[n % templates.length]!(book.inline(bare), book.inline(pageTitle), topic);
  };

  const slides: AipptSlide[] = [
    { type: 'cover', data: { title: topic, text: book.cover[style](topic) } },
    { type: 'contents', data: { items: chapters.map((c) => c.title) } },
  ];
  for (const chapter of chapters) {
    const titles = chapter.pages.map((p) => p.title).filter((t) => t && t !== chapter.title);
    const more = titles.length > 4;
    const listed = titles.length ? book.list(titles.slice(0, more ? 3 : 4), more) : book.inline(chapter.title);
    slides.push({ type: 'transition', data: { title: chapter.title, text: book.transition[style](listed) } });
    for (const p of chapter.pages) {
      const points = p.points.length ? p.points : [p.title];
      const items = points.map((point) => ({ title: point, text: elaborate(point, p.title, points) }));
      slides.push({ type: 'content', data: { title: p.title, items } });
    }
  }
  slides.push({ type: 'end', data: {} });
  return slides;
}

/** Finds the source sentence a point best stands for, by shared words or CJK character pairs. */
class SentenceMatcher {
  private readonly index = new Map<string, number[]>();
  private readonly compacted: string[];
  private readonly uses: number[];

  constructor(private readonly sentences: Sentence[]) {
    this.compacted = sentences.map((s) => compact(s.text));
    this.uses = sentences.map(() => 0);
    for (const s of sentences) {
      for (const token of overlapTokens(s.text)) {
        const list = this.index.get(token);
        if (list) list.push(s.id);
        else this.index.set(token, [s.id]);
      }
    }
  }

  /** The sentence sharing half of the point's tokens, two at least; never the point itself or a sibling's source. */
  best(point: string, siblings: string[]): string | null {
    const wanted = overlapTokens(point);
    if (!wanted.size) return null;
    const shared = new Map<number, number>();
    for (const token of wanted) for (const id of this.index.get(token) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
    const self = compact(point);
    const others = siblings.map(compact).filter((s) => s !== self && s.length >= 4);
    let best = -1;
    let bestCover = 0;
    for (const [id, count] of shared) {
      const cover = count / wanted.size;
      if (cover < 0.5 || (count < 2 && wanted.size > 1)) continue;
      const text = this.compacted[id]!;
      if (text === self || others.some((o) => text.includes(o))) continue;
      const better = cover > bestCover || (cover === bestCover && (this.uses[id]! < this.uses[best]! || (this.uses[id] === this.uses[best] && id < best)));
      if (best < 0 || better) {
        best = id;
        bestCover = cover;
      }
    }
    if (best < 0) return null;
    this.uses[best]! += 1;
    return this.sentences[best]!.text;
  }
}
