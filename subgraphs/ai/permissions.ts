import { allow, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const aiPermissions: RootPermissions = {
  Query: { generationJob: isAuthenticated, myGenerations: isAuthenticated, myGenerationUsage: isAuthenticated, aiModels: isAuthenticated, aiModel: isAuthenticated },
  // Who may change which model (admins: platform models; everyone: their own) is the registry's call.
  Mutation: { startGeneration: isAuthenticated, cancelGeneration: isAuthenticated, createAiModel: isAuthenticated, updateAiModel: isAuthenticated, deleteAiModel: isAuthenticated, generateImage: isAuthenticated, optimizeLayout: isAuthenticated, optimizeSlideLayout: isAuthenticated, regenerateSlide: isAuthenticated, insertAiSlide: isAuthenticated, splitSlide: isAuthenticated, writeSpeakerNotes: isAuthenticated },
  // Access is checked once in `subscribe` (GenerationService.subscribe, AiWritingService.start), not per event.
  Subscription: { generationEvents: allow, aiWriting: allow },
};
