// The HTML of the "I still need it" page: the question with its one button, and the answers after it. No script at
// all; the one small style block is allowed by its hash in the Content-Security-Policy, so nothing else can run.
import { createHash } from 'node:crypto';

const STYLE = 'body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.6rem 1.2rem}';

export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const page = (title: string, body: string): string =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<meta name="referrer" content="no-referrer"><title>${esc(title)}</title><style>${STYLE}</style></head>\n<body>${body}</body></html>\n`;

/** The question: which products go on which date, and the button that answers it (posts back to the same link). */
export function questionPage(products: string[], removalDate: string): string {
  return page(
    'Do you still need these licences?',
    `<h1>Do you still need these licences?</h1>
<p>These licences are to be removed from your account on <strong>${esc(removalDate)}</strong> because they have not been used:</p>
<ul>${products.map((p) => `<li>${esc(p)}</li>`).join('')}</ul>
<form method="post"><button type="submit" name="answer" value="still_needed">I still need them</button></form>
<p>If you do not need them, do nothing. The link works once.</p>`,
  );
}

export const recordedPage = (): string => page('Thank you', '<h1>Thank you</h1><p>Your answer reached the approvers. Nothing is removed until one of them has decided again.</p>');

/** Refusals: the link is unknown, used, expired, or the answer could not be delivered (try again later). */
export function refusalPage(reason: 'invalid' | 'used' | 'expired' | 'unavailable'): string {
  const text: Record<typeof reason, string> = {
    invalid: 'This link is not valid. Use the link from the mail exactly as it came.',
    used: 'This link has already been used: your answer was recorded once, and the approvers have it.',
    expired: 'This link has expired: the notice period is over. Contact your IT department if you still need the licences.',
    unavailable: 'Your answer could not be delivered just now. Nothing was recorded; try the link again in a few minutes.',
  };
  return page('Link not accepted', `<h1>Link not accepted</h1><p>${esc(text[reason])}</p>`);
}
