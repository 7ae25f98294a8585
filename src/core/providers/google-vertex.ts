// Google Vertex AI: an API key or Application Default Credentials, with the project and location
// pi reads from its environment (@mariozechner/pi-ai 0.73.1 dist/env-api-keys.js, providers/google-vertex.js).
import { apiKeyField, type FormField } from './forms';
import type { ProviderAdditions } from './info';

const project: FormField = {
  variable: 'GOOGLE_CLOUD_PROJECT',
  label: 'Google Cloud project id',
  placeholder: 'my-project-123',
  check: (v) =>
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v.trim())
      ? undefined
      : 'Enter a project id: 6–30 lowercase letters, digits and dashes.',
};
const location: FormField = {
  variable: 'GOOGLE_CLOUD_LOCATION',
  label: 'Location',
  placeholder: 'us-central1 (or global)',
  check: (v) =>
    /^(global|[a-z]+-[a-z]+\d+)$/.test(v.trim()) ? undefined : 'Enter a location like us-central1, or global.',
};

export const googleVertex: ProviderAdditions = {
  id: 'google-vertex',
  keyUrl: 'https://console.cloud.google.com/apis/credentials',
  forms: [
    {
      label: 'API key',
      detail: 'A Google Cloud API key, the project and location',
      key: apiKeyField('GOOGLE_CLOUD_API_KEY', 'API key'),
      fields: [project, location],
    },
    {
      label: 'Application Default Credentials',
      detail: 'gcloud auth application-default login (or a service-account file), the project and location',
      fields: [
        {
          variable: 'GOOGLE_APPLICATION_CREDENTIALS',
          label: "Service-account JSON file (leave blank for gcloud's default)",
          placeholder: '/path/to/key.json',
          optional: true,
          check: (v) =>
            !v.trim() || v.trim().startsWith('/') || /^[A-Za-z]:\\/.test(v.trim())
              ? undefined
              : 'Enter an absolute path.',
        },
        project,
        location,
      ],
    },
  ],
  // Option names: pi-ai 0.73.1 GoogleVertexOptions.
  streamOptions: (vars) => ({
    project: vars.GOOGLE_CLOUD_PROJECT ?? vars.GCLOUD_PROJECT,
    location: vars.GOOGLE_CLOUD_LOCATION,
  }),
};
