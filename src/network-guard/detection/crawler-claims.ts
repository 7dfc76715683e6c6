import { RememberedAnswers } from '../../core/remembered-answers.ts';

/**
 * Search engine crawlers that publish forward-confirmed reverse DNS as their verification method: the PTR name of a
 * real crawler's address ends with one of the vendor's domains and resolves back to the same address.
 * Sources: Google "Verifying Googlebot", Bing "Verify Bingbot", Apple "About Applebot", Yandex and Baidu webmaster
 * help; DuckDuckGo publishes addresses, and its crawler's PTR names end in duckduckgo.com.
 */
export interface CrawlerClaim {
  name: string;
  /** Lower-case substrings of the user agent that claim this crawler. */
  agentNeedles: readonly string[];
  /** PTR name suffixes the vendor documents (with their leading dot). */
  domains: readonly string[];
}

export const CRAWLERS: readonly CrawlerClaim[] = [
  {
    name: 'Googlebot',
    agentNeedles: ['googlebot', 'google-inspectiontool', 'googleother', 'adsbot-google', 'mediapartners-google'],
    domains: ['.googlebot.com', '.google.com', '.googleusercontent.com'],
  },
  { name: 'Bingbot', agentNeedles: ['bingbot', 'msnbot', 'bingpreview'], domains: ['.search.msn.com'] },
  { name: 'Applebot', agentNeedles: ['applebot'], domains: ['.applebot.apple.com'] },
  { name: 'DuckDuckBot', agentNeedles: ['duckduckbot', 'duckassistbot'], domains: ['.duckduckgo.com'] },
  {
    name: 'YandexBot',
    agentNeedles: ['yandexbot', 'yandex.com/bots'],
    domains: ['.yandex.ru', '.yandex.net', '.yandex.com'],
  },
  { name: 'Baiduspider', agentNeedles: ['baiduspider'], domains: ['.baidu.com', '.baidu.jp'] },
  { name: 'PetalBot', agentNeedles: ['petalbot'], domains: ['.petalsearch.com'] },
];

/** Agents repeat from line to line: each answer is remembered (bounded), sparing a lower-casing and 16 searches. */
const remembered = new RememberedAnswers<CrawlerClaim | undefined>(4096, 512);

/** The crawler a user agent claims to be, if any. */
export function claimedCrawler(userAgent: string): CrawlerClaim | undefined {
  if (!userAgent) return undefined;
  return remembered.answer(userAgent, findClaim);
}

function findClaim(userAgent: string): CrawlerClaim | undefined {
  const lower = userAgent.toLowerCase();
  return CRAWLERS.find((crawler) => crawler.agentNeedles.some((needle) => lower.includes(needle)));
}

export function crawlerByName(name: string): CrawlerClaim | undefined {
  return CRAWLERS.find((crawler) => crawler.name === name);
}
