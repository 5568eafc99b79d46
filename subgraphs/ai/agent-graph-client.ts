// The AI agent's door into the rest of the graph. Subgraphs never import each other: the ai
// subgraph and its worker read templates and write generated slides through the decks subgraph's
// own API, as the user who asked (a delegated token from the users subgraph, issued against the
// agent's own client secret), so every permission check, log entry and presence row is the
// normal one and names the agent.
import { config } from '../../lib/config.js';
import type { PptistDocument } from '../../lib/pptist/document.js';

export interface AgentGraphOptions {
  usersUrl?: string;
  decksUrl?: string;
  mediaUrl?: string;
  clientId?: string;
  clientSecret?: string;
}

/** A GraphQL answer the agent could not use: coded like the graph's own errors. */
export class AgentGraphError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AgentGraphError';
  }
}

export interface DeckSummary {
  id: string;
  title: string;
  revision: number;
  myRole: string | null;
  isTemplate: boolean;
}

export interface UserPreferences {
  language: string;
  defaultModel: string | null;
  defaultStyle: string | null;
  defaultTemplate: string | null;
}

export interface BatchOutcome {
  status: 'APPLIED' | 'CONFLICT' | 'REJECTED';
  revision: number;
  conflicts: { code: string; message: string }[];
  error: { code: string; message: string } | null;
}

export interface GeneratedImageUpload {
  bytes: Buffer;
  contentType: string;
  filename: string;
  prompt: string;
  /** The model's name as the library shows it. */
  model: string;
}

const DECK_SUMMARY = 'id title revision myRole isTemplate';

export class AgentGraphClient {
  private readonly tokens = new Map<string, { authorization: string; refreshAt: number }>();
  private readonly usersUrl: string;
  private readonly decksUrl: string;
  private readonly mediaUrl: string;
  private readonly clientId: string | undefined;
  private readonly clientSecret: string | undefined;

  constructor(options: AgentGraphOptions = {}) {
    const c = config();
    this.usersUrl = options.usersUrl ?? c.subgraphUrls.users;
    this.decksUrl = options.decksUrl ?? c.subgraphUrls.decks;
    this.mediaUrl = options.mediaUrl ?? c.subgraphUrls.media;
    this.clientId = options.clientId ?? c.AI_AGENT_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? c.AI_AGENT_CLIENT_SECRET;
  }

  get configured(): boolean {
    return Boolean(this.clientId && this.clientSecret);
  }

  /** The deck as the user may see it; null when it does not exist or is not theirs to see. */
  async deck(userId: string, deckId: string): Promise<DeckSummary | null> {
    return this.deckOrNull(userId, `query AgentDeck($id: ID!) { deck(id: $id) { ${DECK_SUMMARY} } }`, deckId);
  }

  async deckDocument(userId: string, deckId: string): Promise<(DeckSummary & { document: PptistDocument }) | null> {
    return this.deckOrNull(userId, `query AgentDeckDocument($id: ID!) { deck(id: $id) { ${DECK_SUMMARY} document } }`, deckId);
  }

  private async deckOrNull<T>(userId: string, query: string, deckId: string): Promise<T | null> {
    try {
      return (await this.decks<{ deck: T | null }>(userId, query, { id: deckId })).deck;
    } catch (error) {
      if (error instanceof AgentGraphError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) return null;
      throw error;
    }
  }

  async createDeck(userId: string, title: string, document: PptistDocument): Promise<DeckSummary> {
    const data = await this.decks<{ createDeck: { deck: DeckSummary | null; error: { code: string; message: string } | null } }>(
      userId,
      `mutation AgentCreateDeck($input: CreateDeckInput!) { createDeck(input: $input) { deck { ${DECK_SUMMARY} } error { code message } } }`,
      { input: { title, document } },
    );
    const { deck, error } = data.createDeck;
    if (!deck) throw new AgentGraphError(error?.message ?? 'Deck not created', error?.code ?? 'DECK_NOT_CREATED');
    return deck;
  }

  async applyOperations(userId: string, input: { deckId: string; baseRevision: number; operations: unknown[]; batchId: string; clientId: string }): Promise<BatchOutcome> {
    const data = await this.decks<{ applyDeckOperations: BatchOutcome }>(
      userId,
      `mutation AgentApply($input: ApplyDeckOperationsInput!) {
        applyDeckOperations(input: $input) { status revision conflicts { code message } error { code message } }
      }`,
      { input },
    );
    return data.applyDeckOperations;
  }

  /** The user's generation defaults (language, model, style, template); null when unreadable. */
  async preferences(userId: string): Promise<UserPreferences | null> {
    const data = await post<{ me: { preferences: UserPreferences | null } | null }>(
      this.usersUrl,
      'query AgentPreferences { me { preferences { language defaultModel defaultStyle defaultTemplate } } }',
      {},
      await this.authorizationFor(userId),
    ).catch(() => null);
    return data?.me?.preferences ?? null;
  }

  /** The agent shows in the deck's presence while it writes (best effort: presence is decoration). */
  async present(userId: string, deckId: string, clientId: string, slideId: string | null): Promise<void> {
    await this.decks(userId, `mutation AgentPresence($input: DeckPresenceInput!) { updateDeckPresence(input: $input) { clientId } }`, {
      input: { deckId, clientId, ...(slideId && { slideId }) },
    }).catch(() => undefined);
  }

  async leave(userId: string, deckId: string, clientId: string): Promise<void> {
    await this.decks(userId, 'mutation AgentLeave($deckId: ID!, $clientId: String!) { leaveDeck(deckId: $deckId, clientId: $clientId) }', { deckId, clientId }).catch(() => undefined);
  }

  /**
   * A lock on a slide for the agent's session (`clientId`): others cannot edit the slide while the
   * AI rewrites it. Returns the holder's lock when someone else has it.
   */
  async acquireLock(userId: string, input: { deckId: string; slideId: string; clientId: string; ttlSeconds: number }): Promise<{ ok: boolean; holderId: string; error: { code: string; message: string } | null }> {
    const data = await this.decks<{ acquireDeckLock: { lock: { holder: { id: string } }; error: { code: string; message: string } | null } }>(
      userId,
      'mutation AgentLock($input: AcquireDeckLockInput!) { acquireDeckLock(input: $input) { lock { holder { id } } error { code message } } }',
      { input },
    );
    const { lock, error } = data.acquireDeckLock;
    return { ok: !error, holderId: lock.holder.id, error };
  }

  /** Best effort: the lock also expires, and goes when the agent leaves the deck. */
  async releaseLock(userId: string, deckId: string, slideId: string): Promise<void> {
    await this.decks(userId, 'mutation AgentUnlock($deckId: ID!, $slideId: String!) { releaseDeckLock(deckId: $deckId, slideId: $slideId) }', { deckId, slideId }).catch(() => undefined);
  }

  /** A named snapshot of the whole deck (taken before the AI changes it, so the user can go back). */
  async createVersion(userId: string, deckId: string, name: string): Promise<{ id: string; revision: number }> {
    const data = await this.decks<{ createDeckVersion: { id: string; revision: number } }>(
      userId,
      'mutation AgentVersion($deckId: ID!, $name: String!) { createDeckVersion(deckId: $deckId, name: $name) { id revision } }',
      { deckId, name },
    );
    return data.createDeckVersion;
  }

  /**
   * Puts a generated image into the user's library, marked as generated: request an upload, send
   * the bytes inline (the signed upload URL may name a router this process cannot reach; the media
   * subgraph writes its own storage), then confirm, which checks the bytes like any upload's.
   */
  async storeGeneratedImage(userId: string, image: GeneratedImageUpload): Promise<{ id: string }> {
    const requested = await this.media<{ requestImageUpload: MediaPayload<{ imageId: string }> }>(
      userId,
      `mutation AgentRequestImageUpload($filename: String!, $contentType: String!, $generated: GeneratedImageInput!) {
        requestImageUpload(filename: $filename, contentType: $contentType, generated: $generated) { upload { imageId } error { code message } }
      }`,
      { filename: image.filename, contentType: image.contentType, generated: { prompt: image.prompt, model: image.model } },
    );
    const imageId = unwrap(requested.requestImageUpload, 'upload').imageId;
    const sent = await this.media<{ uploadImageBytes: MediaPayload<{ id: string }> }>(
      userId,
      'mutation AgentUploadImageBytes($imageId: ID!, $base64: String!) { uploadImageBytes(imageId: $imageId, base64: $base64) { image { id } error { code message } } }',
      { imageId, base64: image.bytes.toString('base64') },
    );
    unwrap(sent.uploadImageBytes, 'image');
    const confirmed = await this.media<{ confirmImageUpload: MediaPayload<{ id: string }> }>(
      userId,
      'mutation AgentConfirmImageUpload($imageId: ID!) { confirmImageUpload(imageId: $imageId) { image { id } error { code message } } }',
      { imageId },
    );
    return unwrap(confirmed.confirmImageUpload, 'image');
  }

  private async media<T>(userId: string, query: string, variables: Record<string, unknown>): Promise<T> {
    return post<T>(this.mediaUrl, query, variables, await this.authorizationFor(userId));
  }

  private async decks<T>(userId: string, query: string, variables: Record<string, unknown>): Promise<T> {
    return post<T>(this.decksUrl, query, variables, await this.authorizationFor(userId));
  }

  private async authorizationFor(userId: string): Promise<string> {
    const cached = this.tokens.get(userId);
    if (cached && Date.now() < cached.refreshAt) return cached.authorization;
    if (!this.clientId || !this.clientSecret) throw new AgentGraphError('The AI agent has no service credentials (AI_AGENT_CLIENT_ID / AI_AGENT_CLIENT_SECRET)', 'AGENT_NOT_CONFIGURED');
    const data = await post<{ issueServiceToken: { accessToken: string | null; expiresAt: string | null; error: { code: string; message: string } | null } }>(
      this.usersUrl,
      'mutation AgentToken($clientId: String!, $clientSecret: String!, $actFor: ID) { issueServiceToken(clientId: $clientId, clientSecret: $clientSecret, actFor: $actFor) { accessToken expiresAt error { code message } } }',
      { clientId: this.clientId, clientSecret: this.clientSecret, actFor: userId },
      null,
    );
    const issued = data.issueServiceToken;
    if (!issued.accessToken || !issued.expiresAt) throw new AgentGraphError(issued.error?.message ?? 'No token', issued.error?.code ?? 'AGENT_TOKEN_REFUSED');
    // Renew a minute early so no call carries a token that expires in flight.
    const entry = { authorization: `Bearer ${issued.accessToken}`, refreshAt: new Date(issued.expiresAt).getTime() - 60_000 };
    this.tokens.set(userId, entry);
    return entry.authorization;
  }
}

interface MediaPayload<V> {
  upload?: V | null;
  image?: V | null;
  error: { code: string; message: string } | null;
}

/** The payload's value, or its UserError as an AgentGraphError. */
function unwrap<V>(payload: MediaPayload<V>, key: 'upload' | 'image'): V {
  const value = payload[key];
  if (!value) throw new AgentGraphError(payload.error?.message ?? 'The image library refused the image', payload.error?.code ?? 'IMAGE_NOT_STORED');
  return value;
}

async function post<T>(url: string, query: string, variables: Record<string, unknown>, authorization: string | null): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } | null;
  const error = body?.errors?.[0];
  if (error || !body?.data) throw new AgentGraphError(error?.message ?? `HTTP ${response.status}`, error?.extensions?.code ?? 'GRAPH_ERROR');
  return body.data;
}
