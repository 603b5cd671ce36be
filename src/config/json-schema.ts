import * as F from './fields.js';
import type { FieldSpec } from './fields.js';
import { ENV_REF_PATTERN, nonEmptyString } from './rules.js';

/**
 * Builds `config/tenant-config.schema.json` (draft-07) from the field list, so
 * editors with a YAML language server complete and check tenant files. A test
 * compares the committed file with this output and runs both validators over the
 * same cases. What JSON Schema cannot say (tenant name from the file name, the two
 * labels differing, cron semantics beyond field count, environment values) is left
 * to the loader.
 */

type Schema = Record<string, unknown>;

const ENV_REF: Schema = {
  type: 'string',
  pattern: ENV_REF_PATTERN.source,
  description: 'Read the value from environment variable NAME when the file is loaded.',
};

function valueSchema(spec: FieldSpec, rule = spec.rule ?? nonEmptyString): Schema {
  const literal = rule.jsonSchema;
  if (spec.literalOnly) return { ...literal };
  const alternatives = Array.isArray(literal.anyOf) ? (literal.anyOf as Schema[]) : [literal];
  return { anyOf: [...alternatives, ENV_REF] };
}

const when = (key: string, value: string): Schema => ({ properties: { [key]: { const: value } }, required: [key] });
const forbid = (...keys: string[]): Schema => ({ properties: Object.fromEntries(keys.map((key) => [key, false])) });

const ZITADEL = [F.ZITADEL_TOKEN_URL, F.ZITADEL_PROJECT_ID, F.ZITADEL_CLIENT_ID, F.ZITADEL_CLIENT_SECRET].map(F.fieldKey);

/** The conditionals the superstruct schema expresses with `dynamic`, per section path. */
const CONDITIONS: Record<string, Schema[]> = {
  [F.CONFLUENCE.path]: [
    {
      if: when('instanceType', 'cloud'),
      then: {
        required: ['cloudId'],
        properties: {
          auth: { properties: { mode: { const: 'oauth_2lo', description: 'pat is only supported for data-center' } } },
          baseUrl: { pattern: '^(?!http://)', description: 'https only for cloud' },
        },
      },
    },
    { if: when('instanceType', 'data-center'), then: forbid('cloudId') },
  ],
  [F.AUTH.path]: [
    { if: when('mode', 'oauth_2lo'), then: { required: ['clientId', 'clientSecret'], ...forbid('token') } },
    { if: when('mode', 'pat'), then: { required: ['token'], ...forbid('clientId', 'clientSecret') } },
  ],
  [F.UNIQUE.path]: [
    {
      if: when('serviceAuthMode', 'cluster_local'),
      then: {
        required: ['serviceExtraHeaders'],
        properties: {
          serviceExtraHeaders: { required: [...F.CLUSTER_LOCAL_HEADERS] },
          ...forbid(...ZITADEL).properties as Schema,
        },
      },
    },
    { if: when('serviceAuthMode', 'external'), then: { required: ZITADEL } },
  ],
  [F.PAGE_INGESTION_CONFIG.path]: [
    {
      if: {
        properties: { htmlConfig: { properties: { imageContentExtraction: { properties: { enabled: { const: true } }, required: ['enabled'] } }, required: ['imageContentExtraction'] } },
        required: ['htmlConfig'],
      },
      then: {
        properties: {
          htmlConfig: {
            properties: {
              imageContentExtraction: { properties: { languageModel: { type: 'string', pattern: '\\S' } }, required: ['languageModel'] },
            },
          },
        },
      },
    },
  ],
};

function fieldSchema(spec: FieldSpec): Schema {
  const schema: Schema = { description: spec.description };
  if (spec.default !== undefined) schema.default = spec.default;
  switch (spec.kind) {
    case 'section':
      Object.assign(schema, sectionSchema(spec.path));
      break;
    case 'scalar':
      Object.assign(schema, valueSchema(spec));
      break;
    case 'list':
      Object.assign(schema, { type: 'array', items: valueSchema(spec) });
      break;
    case 'map':
      Object.assign(schema, {
        type: 'object',
        propertyNames: spec.keyRule?.jsonSchema ?? {},
        additionalProperties: valueSchema(spec),
      });
      break;
    case 'verbatim':
      schema.type = 'object';
      break;
  }
  const conditions = CONDITIONS[spec.path];
  if (conditions) schema.allOf = conditions;
  return schema;
}

/** Direct children of a section path ('' is the file itself). */
function children(path: string): FieldSpec[] {
  return F.FIELDS.filter((spec) => {
    const parent = spec.path.includes('.') ? spec.path.slice(0, spec.path.lastIndexOf('.')) : '';
    return parent === path;
  });
}

function sectionSchema(path: string): Schema {
  const fields = children(path);
  const required = fields.filter((spec) => spec.required).map(F.fieldKey);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((spec) => [F.fieldKey(spec), fieldSchema(spec)])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

export function tenantJsonSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Confluence connector tenant configuration',
    description:
      'One file per tenant, named {tenant}-tenant-config.yaml. Any scalar may be written as os.environ/NAME to read it from the environment, except the fields that choose a mode.',
    ...sectionSchema(''),
  };
}
