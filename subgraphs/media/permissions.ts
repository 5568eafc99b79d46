import { allow, isAuthenticated, type RootPermissions } from '../../lib/graphql/permissions.js';

export const mediaPermissions: RootPermissions = {
  // imageAccess decides per image (public images and signed links need no account).
  Query: { image: allow, myImages: isAuthenticated, myImagePage: isAuthenticated, searchImages: isAuthenticated, imageAccess: allow, imageTags: isAuthenticated },
  Mutation: {
    // Marking an image as generated, and sending bytes inline, are for services: ImageService decides.
    requestImageUpload: isAuthenticated,
    uploadImageBytes: isAuthenticated,
    confirmImageUpload: isAuthenticated,
    updateImage: isAuthenticated,
    changeImageTags: isAuthenticated,
    deleteImages: isAuthenticated,
    createImageTag: isAuthenticated,
    deleteImageTag: isAuthenticated,
  },
  // Access is checked once in `subscribe` (ImageService.followStatus).
  Subscription: { imageStatus: allow },
};
