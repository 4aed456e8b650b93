// A third source that exists only under test/ passes the same contract, and
// runs in the exporter by injection: adding a source needs no core change.
import { acmeLive } from '../fixtures/acme-live/index.js';
import { sourceContract } from './source-contract.js';

sourceContract({
  definition: acmeLive,
  example: {
    file: new URL('../../../test/fixtures/acme-live/config.example.yaml', import.meta.url),
    env: { ACME_API_KEY: 'example-acme-key' },
    sources: [acmeLive],
  },
});
