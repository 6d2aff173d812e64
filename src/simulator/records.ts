// What the simulator's sign-in and mail handlers keep between requests: plain records, held by the shared context
// and state, so those modules need not import the handlers (which import the context).

export interface DeviceCodeEntry {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  /** Object id of the admin who signed in with the user code. */
  approvedBy?: string;
  redeemed?: boolean;
}

/** An authorize request shown as a sign-in page, waiting for the person to pick an account. */
export interface PendingAuthorize {
  redirectUri: string;
  state?: string;
  nonce?: string;
  codeChallenge: string;
  scopes: string[];
  expiresAt: number;
}

export interface AuthCodeEntry {
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  userId: string;
  expiresAt: number;
  redeemed?: boolean;
}

export interface AuthorizeStore {
  pending: Map<string, PendingAuthorize>;
  codes: Map<string, AuthCodeEntry>;
}

export interface SentMail {
  at: string;
  /** The sender's UPN (the mailbox in the path, resolved). */
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  contentType: 'text' | 'html';
  content: string;
}
