// `pnpm build`: bundle every action under actions/ with ncc into its dist/ folder.
import { buildActions, discoverActions } from './release/actions';

const actions = await discoverActions();
await buildActions(actions);
console.log(
  `Built ${actions.length} action(s)${actions.length ? `: ${actions.map((a) => a.uses).join(', ')}` : ''}.`,
);
