export {
  compareReleases,
  highestRelease,
  parseReleaseVersion,
  type Release,
  type ReleaseLine,
  type ReleaseVersion,
  readReleaseLine,
} from './release-line';
export { compareSemver, parseSemver, type Semver } from './semver';
