// The named GraphQL operations behind the REST routes. Each route runs one of these through the
// gateway, so REST gets exactly the graph's auth, limits and behaviour.
const USER_FIELDS = 'id email name role isActive avatarUrl bio createdAt lastLoginAt';
const AUTH_FIELDS = `accessToken expiresAt refreshToken refreshExpiresAt sessionId user { ${USER_FIELDS} } error { code message field }`;
const DECK_FIELDS = 'id title revision width height theme slideCount isTemplate templateVisibility myRole createdAt updatedAt owner { id }';
const DECK_WITH_DOCUMENT = `${DECK_FIELDS} document`;
const DECK_PAYLOAD = `deck { ${DECK_FIELDS} } error { code message field }`;

const BATCH_RESULT = `status applied revision conflicts { operationIndex code message slideId elementId property currentValue }
  batch { revision kind batchId clientId operations at } error { code message field }
  lock { slideId elementId clientId agent expiresAt holder { id } }`;
const DECK_EVENT_FIELDS = 'type revision kind clientId batchId operations reason at actor { id }';
const GENERATION_JOB_FIELDS = `id lastEventSeq mode topic language style status stage progress { stage slidesDone slidesTotal } outline templateId deckId modelId
  degraded usage { promptTokens completionTokens costUsd } error errorCode owner { id } createdAt updatedAt startedAt finishedAt`;
const IMAGE_FIELDS = `id storageKey originalFilename description mimeType fileSize width height status sourceType prompt generationModel isPublic tags link
  storageType createdAt updatedAt owner { id }`;
const IMAGE_PAYLOAD = `image { ${IMAGE_FIELDS} } error { code message field }`;
const IMAGE_TAG_FIELDS = 'id name description usageCount createdAt updatedAt';
const AI_MODEL_FIELDS = `id name providerModel provider baseUrl capabilities providerMapping parameters maxTokens contextWindow inputPrice outputPrice
  enabled isDefault personal apiKeyHint createdAt updatedAt`;

export const operations = {
  Me: `query Me { me { ${USER_FIELDS} } }`,
  Register: `mutation Register($input: SignUpInput!) { auth: signUp(input: $input) { ${AUTH_FIELDS} } }`,
  Login: `mutation Login($input: SignInInput!) { auth: signIn(input: $input) { ${AUTH_FIELDS} } }`,
  Refresh: `mutation Refresh($refreshToken: String!) { auth: refreshSession(refreshToken: $refreshToken) { ${AUTH_FIELDS} } }`,
  Logout: `mutation Logout { result: signOut { revokedCount } }`,
  LogoutAll: `mutation LogoutAll { result: signOutEverywhere { revokedCount } }`,
  Sessions: `query Sessions($skip: Int, $limit: Int) {
    mySessions(skip: $skip, limit: $limit) { total sessions { id ipAddress userAgent createdAt expiresAt current } }
  }`,
  IssueServiceToken: `mutation IssueServiceToken($clientId: String!, $clientSecret: String!) {
    issueServiceToken(clientId: $clientId, clientSecret: $clientSecret) { accessToken expiresAt error { code message } }
  }`,
  RevokeSession: `mutation RevokeSession($id: ID!) { result: revokeSession(id: $id) { revokedCount } }`,
  DeckRevision: `query DeckRevision($id: ID!) { deck(id: $id) { revision } }`,
  ApplyDeckOperations: `mutation ApplyDeckOperations($input: ApplyDeckOperationsInput!) { result: applyDeckOperations(input: $input) { ${BATCH_RESULT} } }`,
  UndoDeckEdit: `mutation UndoDeckEdit($input: RevertDeckEditInput!) { result: undoDeckEdit(input: $input) { ${BATCH_RESULT} } }`,
  RedoDeckEdit: `mutation RedoDeckEdit($input: RevertDeckEditInput!) { result: redoDeckEdit(input: $input) { ${BATCH_RESULT} } }`,
  DeckEvents: `subscription DeckEvents($id: ID!, $after: Int!) { event: deckEvents(deckId: $id, afterRevision: $after) { ${DECK_EVENT_FIELDS} } }`,
  DeckById: `query DeckById($id: ID!) { deck(id: $id) { ${DECK_WITH_DOCUMENT} } }`,
  CreateDeck: `mutation CreateDeck($input: CreateDeckInput!) { result: createDeck(input: $input) { ${DECK_PAYLOAD} } }`,
  DeckExport: `query DeckExport($id: ID!) { deck(id: $id) {
    title document
    comments { id slideId elementId content createdAt author { name } replies { id content createdAt author { name } } }
  } }`,
  MyDecks: `query MyDecks($first: Int, $after: String, $query: String) {
    list: myDecks(first: $first, after: $after, query: $query) { hasNextPage endCursor edges { node { ${DECK_FIELDS} } } }
  }`,
  SharedDecks: `query SharedDecks($first: Int, $after: String, $query: String) {
    list: decksSharedWithMe(first: $first, after: $after, query: $query) { hasNextPage endCursor edges { node { ${DECK_FIELDS} } } }
  }`,
  Templates: `query Templates($first: Int, $after: String, $query: String) {
    list: templates(first: $first, after: $after, query: $query) { hasNextPage endCursor edges { node { ${DECK_FIELDS} } } }
  }`,
  RenameDeck: `mutation RenameDeck($input: RenameDeckInput!) { result: renameDeck(input: $input) { ${DECK_PAYLOAD} } }`,
  UpdateDeckSettings: `mutation UpdateDeckSettings($input: UpdateDeckSettingsInput!) { result: updateDeckSettings(input: $input) { ${DECK_PAYLOAD} } }`,
  DeleteDeck: `mutation DeleteDeck($id: ID!) { deleteDeck(id: $id) { id deletedAt } }`,
  DuplicateDeck: `mutation DuplicateDeck($id: ID!, $title: String) { result: duplicateDeck(id: $id, title: $title) { ${DECK_PAYLOAD} } }`,
  DeckVersions: `query DeckVersions($id: ID!) { deck(id: $id) { versions { id name kind revision createdAt author { id name } } } }`,
  CreateDeckVersion: `mutation CreateDeckVersion($id: ID!, $name: String!) { version: createDeckVersion(deckId: $id, name: $name) { id name kind revision createdAt author { id name } } }`,
  RestoreDeckVersion: `mutation RestoreDeckVersion($id: ID!, $versionId: ID!) { result: restoreDeckVersion(deckId: $id, versionId: $versionId) { ${DECK_PAYLOAD} } }`,
  DeckCollaborators: `query DeckCollaborators($id: ID!) { deck(id: $id) { collaborators { role addedAt user { id name email } } } }`,
  UserByEmail: `query UserByEmail($email: String!) { userByEmail(email: $email) { id } }`,
  ShareDeck: `mutation ShareDeck($input: ShareDeckInput!) { result: shareDeck(input: $input) { ${DECK_PAYLOAD} } }`,
  UnshareDeck: `mutation UnshareDeck($id: ID!, $userId: ID!) { result: unshareDeck(deckId: $id, userId: $userId) { ${DECK_PAYLOAD} } }`,
  CreateShareLink: `mutation CreateShareLink($id: ID!) { link: createDeckShareLink(deckId: $id) { token } }`,
  RevokeShareLink: `mutation RevokeShareLink($id: ID!) { revokeDeckShareLink(deckId: $id) { id } }`,
  StartGeneration: `mutation StartGeneration($input: StartGenerationInput!) {
    result: startGeneration(input: $input) { created job { ${GENERATION_JOB_FIELDS} } error { code message field } }
  }`,
  GenerationJob: `query GenerationJob($id: ID!) { job: generationJob(id: $id) { ${GENERATION_JOB_FIELDS} } }`,
  CancelGeneration: `mutation CancelGeneration($id: ID!) { result: cancelGeneration(id: $id) { job { ${GENERATION_JOB_FIELDS} } error { code message } } }`,
  GenerationEvents: `subscription GenerationEvents($jobId: ID!, $after: String) { event: generationEvents(jobId: $jobId, after: $after) { seq type payload at } }`,
  AiWriting: `subscription AiWriting($input: AiWritingInput!) { event: aiWriting(input: $input) { type text degraded code message } }`,
  OptimizeLayout: `mutation OptimizeLayout($input: OptimizeLayoutInput!) {
    result: optimizeLayout(input: $input) { elements description degraded model durationMs error { code message field } }
  }`,
  AiModels: `query AiModels($enabledOnly: Boolean, $capability: ModelCapability) {
    models: aiModels(enabledOnly: $enabledOnly, capability: $capability) { ${AI_MODEL_FIELDS} }
  }`,
  AiModel: `query AiModel($id: ID!) { model: aiModel(id: $id) { ${AI_MODEL_FIELDS} } }`,
  CreateAiModel: `mutation CreateAiModel($input: CreateAiModelInput!) { result: createAiModel(input: $input) { model { ${AI_MODEL_FIELDS} } error { code message field } } }`,
  UpdateAiModel: `mutation UpdateAiModel($id: ID!, $input: UpdateAiModelInput!) {
    result: updateAiModel(id: $id, input: $input) { model { ${AI_MODEL_FIELDS} } error { code message field } }
  }`,
  DeleteAiModel: `mutation DeleteAiModel($id: ID!) { deleted: deleteAiModel(id: $id) }`,
  ImagePage: `query ImagePage($page: Int, $limit: Int, $sortBy: String, $sortOrder: String, $sourceType: String, $tags: [String!], $query: String) {
    page: myImagePage(page: $page, limit: $limit, sortBy: $sortBy, sortOrder: $sortOrder, sourceType: $sourceType, tags: $tags, query: $query) {
      total items { ${IMAGE_FIELDS} }
    }
  }`,
  ImageById: `query ImageById($id: ID!) { image(id: $id) { ${IMAGE_FIELDS} } }`,
  SearchImages: `query SearchImages($query: String!, $limit: Int, $threshold: Int, $includePublic: Boolean) {
    images: searchImages(query: $query, limit: $limit, threshold: $threshold, includePublic: $includePublic) { ${IMAGE_FIELDS} }
  }`,
  ImageAccess: `query ImageAccess($key: String!, $signature: String) { access: imageAccess(key: $key, signature: $signature) { url contentType image { ${IMAGE_FIELDS} } } }`,
  RequestImageUpload: `mutation RequestImageUpload($filename: String!, $contentType: String!, $description: String) {
    result: requestImageUpload(filename: $filename, contentType: $contentType, description: $description) {
      upload { imageId key uploadUrl method contentType expiresAt } error { code message field }
    }
  }`,
  ConfirmImageUpload: `mutation ConfirmImageUpload($imageId: ID!) { result: confirmImageUpload(imageId: $imageId) { ${IMAGE_PAYLOAD} } }`,
  ChangeImageTags: `mutation ChangeImageTags($id: ID!, $tags: [String!]!, $operation: ImageTagOperation!) {
    result: changeImageTags(id: $id, tags: $tags, operation: $operation) { ${IMAGE_PAYLOAD} }
  }`,
  DeleteImages: `mutation DeleteImages($ids: [ID!]!) { results: deleteImages(ids: $ids) { id deleted } }`,
  ImageTags: `query ImageTags($query: String, $page: Int, $limit: Int, $sortBy: String, $sortOrder: String) {
    page: imageTags(query: $query, page: $page, limit: $limit, sortBy: $sortBy, sortOrder: $sortOrder) { total items { ${IMAGE_TAG_FIELDS} } }
  }`,
  CreateImageTag: `mutation CreateImageTag($name: String!, $description: String) { tag: createImageTag(name: $name, description: $description) { ${IMAGE_TAG_FIELDS} } }`,
  DeleteImageTag: `mutation DeleteImageTag($name: String!) { deleted: deleteImageTag(name: $name) }`,
} as const;
export type OperationName = keyof typeof operations;
