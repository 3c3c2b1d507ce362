// The flags a site's status carries that the board shows, in this order, with their icon: on
// the tile as icons, in the detail as words.

import type { StringKey } from './i18n.js';
import type { IconName } from './icons.js';

export const siteFlags: readonly { flag: string; icon: IconName; label: StringKey }[] = [
  { flag: 'floor', icon: 'floor', label: 'flag.floor' },
  { flag: 'hand', icon: 'hand', label: 'flag.hand' },
  { flag: 'muted', icon: 'muted', label: 'flag.muted' },
  { flag: 'selfMuted', icon: 'selfMuted', label: 'flag.selfMuted' },
  { flag: 'reconnecting', icon: 'reconnecting', label: 'flag.reconnecting' },
  { flag: 'flapping', icon: 'flapping', label: 'flag.flapping' },
  { flag: 'audioOnly', icon: 'audioOnly', label: 'flag.audioOnly' },
  { flag: 'relayed', icon: 'relay', label: 'flag.relayed' },
];
