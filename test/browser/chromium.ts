// How every browser test launches Chromium: Debian's build at /usr/bin/chromium,
// never a downloaded one, headless, with nothing that reaches the network.
// Playwright gives each launch a fresh temporary profile (user-data-dir).
import type { LaunchOptions } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const launchOptions: LaunchOptions = {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
};
