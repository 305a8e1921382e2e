// Filled in by the release-tree work: assembles what ships once per test run.
export default async function setup(): Promise<void> {}
