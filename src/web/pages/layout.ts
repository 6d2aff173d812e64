// The frame of every page: title, the top bar with who is signed in and a sign-out form, and the main content.
import { h, type Html } from './html';

export interface Viewer {
  /** Display name or UPN of the signed-in person (from their own ID token). */
  name: string;
  signOutToken: string;
}

export function layout(title: string, content: Html, viewer?: Viewer): string {
  const who = viewer
    ? h`<div class="who"><span>Signed in as ${viewer.name}</span><form method="post" action="/signout"><input type="hidden" name="form_token" value="${viewer.signOutToken}"><button>Sign out</button></form></div>`
    : '';
  return h`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · Licence approvals</title><link rel="stylesheet" href="/static/style.css"></head>
<body><header class="top"><a class="brand" href="/">Licence approvals</a><nav>${viewer ? h`<a href="/">Waiting</a><a href="/history">Decided</a>` : ''}</nav>${who}</header>
<main>${content}</main></body></html>`.text;
}

export function messagePage(title: string, message: Html | string, viewer?: Viewer): string {
  return layout(title, h`<div class="card center"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to the requests waiting</a></p></div>`, viewer);
}
