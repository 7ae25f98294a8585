// Providers whose credential is several values (Bedrock, Vertex, Azure OpenAI, Cloudflare): the
// shape of the forms their descriptors declare, and how a filled form is checked and stored.
import { apiKeyProblem, type Credential } from '../credentials';
import { Fault } from '../faults';

export interface FormField {
  /** The variable the value is exported as (a `derive` may choose another). */
  readonly variable: string;
  readonly label: string;
  readonly placeholder?: string;
  readonly secret?: boolean;
  readonly optional?: boolean;
  /** Returns the reason the value is unusable, or undefined. */
  readonly check?: (value: string) => string | undefined;
  /** Turns what was typed into the variables to export (default: { [variable]: value }). */
  readonly derive?: (value: string) => Record<string, string>;
}

export interface SignInForm {
  readonly label: string;
  readonly detail: string;
  /** The API key, when the form has one: it is what auth.json gets. */
  readonly key?: FormField;
  readonly fields: readonly FormField[];
}

const notEmpty = (v: string) => (v.trim() ? undefined : 'Enter a value.');

/** A form's API key: secret, checked like any pasted key. */
export const apiKeyField = (variable: string, label: string): FormField => ({
  variable,
  label,
  secret: true,
  check: apiKeyProblem,
});

export function httpsUrlProblem(v: string): string | undefined {
  try {
    const u = new URL(v.trim());
    return u.protocol === 'https:' && u.hostname ? undefined : 'Use an https:// address.';
  } catch {
    return 'Enter a whole address, like https://example.com/v1.';
  }
}

/** The checked values of a filled form as the variables to export; throws nothing, returns problems. */
export function formValues(
  form: SignInForm,
  answers: Readonly<Record<string, string>>,
): { vars: Record<string, string>; problems: string[] } {
  const vars: Record<string, string> = {};
  const problems: string[] = [];
  for (const f of [...(form.key ? [form.key] : []), ...form.fields]) {
    const raw = answers[f.variable] ?? '';
    if (!raw.trim() && f.optional) continue;
    const problem = (f.check ?? notEmpty)(raw) ?? notEmpty(raw);
    if (problem) problems.push(`${f.label}: ${problem}`);
    else Object.assign(vars, f.derive ? f.derive(raw) : { [f.variable]: raw.trim() });
  }
  return { vars, problems };
}

/** A filled form as the credential to store: a key with the other values, or values only. */
export function credentialFromForm(form: SignInForm, answers: Readonly<Record<string, string>>): Credential {
  const { vars, problems } = formValues(form, answers);
  if (problems.length)
    throw new Fault('invalid-key', `Nothing was stored: ${problems.join(' ')}`, 'Check the values and sign in again.');
  if (!form.key) return { type: 'env', vars };
  const { [form.key.variable]: key, ...env } = vars;
  return { type: 'api_key', key, env };
}
