import { allow, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

// Per-deck roles are decided in DeckService.authorize; shield only requires a caller.
export const decksPermissions: RootPermissions = {
  Query: {
    deck: isAuthenticated,
    // Authorised by the link's token itself.
    sharedDeck: allow,
    myDecks: isAuthenticated,
    decksSharedWithMe: isAuthenticated,
    // Public templates are listed to anyone.
    templates: allow,
    deckVersion: isAuthenticated,
    compareDeckVersions: isAuthenticated,
  },
  Mutation: {
    createDeck: isAuthenticated,
    renameDeck: isAuthenticated,
    updateDeckSettings: isAuthenticated,
    replaceDeckDocument: isAuthenticated,
    deleteDeck: isAuthenticated,
    restoreDeck: isAuthenticated,
    duplicateDeck: isAuthenticated,
    shareDeck: isAuthenticated,
    unshareDeck: isAuthenticated,
    transferDeckOwnership: isAuthenticated,
    createDeckShareLink: isAuthenticated,
    revokeDeckShareLink: isAuthenticated,
    createDeckVersion: isAuthenticated,
    restoreDeckVersion: isAuthenticated,
    publishDeckAsTemplate: isAuthenticated,
    addDeckComment: isAuthenticated,
    replyToDeckComment: isAuthenticated,
    resolveDeckComment: isAuthenticated,
    deleteDeckComment: isAuthenticated,
    applyDeckOperations: isAuthenticated,
    undoDeckEdit: isAuthenticated,
    redoDeckEdit: isAuthenticated,
    updateDeckPresence: isAuthenticated,
    leaveDeck: isAuthenticated,
    acquireDeckLock: isAuthenticated,
    releaseDeckLock: isAuthenticated,
    fixSlideLayout: isAuthenticated,
  },
  // Membership is checked once in `subscribe` (CollaborationService), not per event.
  Subscription: { deckEvents: allow, deckPresence: allow, layoutFindings: allow },
};
