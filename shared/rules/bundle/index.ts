import type { BundleRule } from '../../bundle/rule';
import descriptorXmlMalformed from './descriptorXmlMalformed';
import descriptorRootUnknown from './descriptorRootUnknown';
import descriptorElementMissing from './descriptorElementMissing';
import descriptorNumberInvalid from './descriptorNumberInvalid';
import descriptorGuidInvalid from './descriptorGuidInvalid';
import descriptorGuidDuplicate from './descriptorGuidDuplicate';
import descriptorTypeInvalid from './descriptorTypeInvalid';
import descriptorStorageLayout from './descriptorStorageLayout';
import descriptorDiskSizeMismatch from './descriptorDiskSizeMismatch';
import descriptorChsMismatch from './descriptorChsMismatch';
import descriptorPaddingNonzero from './descriptorPaddingNonzero';
import descriptorBlocksizeInvalid from './descriptorBlocksizeInvalid';
import bundleTopUnresolved from './bundleTopUnresolved';
import bundleTopGuessed from './bundleTopGuessed';
import bundleChainBroken from './bundleChainBroken';
import bundleMultipleRoots from './bundleMultipleRoots';
import bundleImageMissing from './bundleImageMissing';
import bundleImageUnreferenced from './bundleImageUnreferenced';
import bundleFileMissing from './bundleFileMissing';
import bundleFileRelocated from './bundleFileRelocated';
import bundleFileOutside from './bundleFileOutside';
import bundleTypeMismatch from './bundleTypeMismatch';
import bundlePlainLabel from './bundlePlainLabel';
import bundleBlocksizeMismatch from './bundleBlocksizeMismatch';
import bundleVersionMixed from './bundleVersionMixed';
import bundleTopSizeMismatch from './bundleTopSizeMismatch';
import bundleLowerImageLarger from './bundleLowerImageLarger';
import bundleRawSizeMismatch from './bundleRawSizeMismatch';
import bundleTopInUse from './bundleTopInUse';
import bundleLowerInUse from './bundleLowerInUse';
import bundleTemporarySnapshot from './bundleTemporarySnapshot';
import bundleDescriptorTmp from './bundleDescriptorTmp';
import bundleEncrypted from './bundleEncrypted';
import bundleVolumeParent from './bundleVolumeParent';
import bundleOrphanFile from './bundleOrphanFile';

/**
 * The bundle rules (notes §9.1), in report order: the descriptor on its own, the snapshot tree, the images
 * against the descriptor, then the folder. The image rules run on every image besides (shared/ops/bundleCheck.ts).
 */
export const BUNDLE_RULES: readonly BundleRule[] = [
  descriptorXmlMalformed,
  descriptorRootUnknown,
  descriptorElementMissing,
  descriptorNumberInvalid,
  descriptorGuidInvalid,
  descriptorGuidDuplicate,
  descriptorTypeInvalid,
  descriptorStorageLayout,
  descriptorDiskSizeMismatch,
  descriptorChsMismatch,
  descriptorPaddingNonzero,
  descriptorBlocksizeInvalid,
  bundleTopUnresolved,
  bundleTopGuessed,
  bundleChainBroken,
  bundleMultipleRoots,
  bundleImageMissing,
  bundleImageUnreferenced,
  bundleFileMissing,
  bundleFileRelocated,
  bundleFileOutside,
  bundleTypeMismatch,
  bundlePlainLabel,
  bundleBlocksizeMismatch,
  bundleVersionMixed,
  bundleTopSizeMismatch,
  bundleLowerImageLarger,
  bundleRawSizeMismatch,
  bundleTopInUse,
  bundleLowerInUse,
  bundleTemporarySnapshot,
  bundleDescriptorTmp,
  bundleEncrypted,
  bundleVolumeParent,
  bundleOrphanFile,
];
