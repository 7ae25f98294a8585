// Amazon Bedrock: a Bedrock API key, a named AWS profile or an access key pair, each with a region
// (the variables pi reads: @mariozechner/pi-ai 0.73.1 dist/env-api-keys.js and providers/amazon-bedrock.js).
import { apiKeyField, type FormField } from './forms';
import type { ProviderAdditions } from './info';

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const region: FormField = {
  variable: 'AWS_REGION',
  label: 'AWS region',
  placeholder: 'us-east-1',
  check: (v) => (AWS_REGION.test(v.trim()) ? undefined : 'Enter a region like us-east-1.'),
};

export const amazonBedrock: ProviderAdditions = {
  id: 'amazon-bedrock',
  keyUrl: 'https://console.aws.amazon.com/bedrock/',
  forms: [
    {
      label: 'Bedrock API key',
      detail: 'A bearer token from the Bedrock console, and a region',
      key: apiKeyField('AWS_BEARER_TOKEN_BEDROCK', 'Bedrock API key'),
      fields: [region],
    },
    {
      label: 'AWS profile',
      detail: 'A named profile from ~/.aws/credentials or SSO, and a region',
      fields: [
        {
          variable: 'AWS_PROFILE',
          label: 'Profile name',
          placeholder: 'default',
          check: (v) => (/^[\w.+=,@-]+$/.test(v.trim()) ? undefined : 'Enter a profile name as in ~/.aws/config.'),
        },
        region,
      ],
    },
    {
      label: 'Access key pair',
      detail: 'An access key id and secret access key, and a region',
      fields: [
        {
          variable: 'AWS_ACCESS_KEY_ID',
          label: 'Access key id',
          placeholder: 'AKIA…',
          check: (v) =>
            /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(v.trim()) ? undefined : 'An access key id starts with AKIA or ASIA.',
        },
        {
          variable: 'AWS_SECRET_ACCESS_KEY',
          label: 'Secret access key',
          secret: true,
          check: (v) =>
            v.trim().length >= 20 && !/\s/.test(v.trim()) ? undefined : 'Paste the whole secret access key.',
        },
        region,
      ],
    },
  ],
};
