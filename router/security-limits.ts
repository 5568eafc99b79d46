// The router's query limits (STYLE rule 9): every number in QUERY_LIMITS, enforced before a query
// reaches a subgraph, and every refusal counted in pptist_rejections_total{layer="router"}.
// Tokens are checked while parsing (graphql's own `maxTokens` aborts the parser early); depth,
// aliases, directives and cost by one validation rule, which yoga runs once per document and caches.
import type { GatewayConfigBase, GatewayPlugin } from '@graphql-hive/gateway-runtime';
import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValidationRule,
  GraphQLError,
  introspectionTypes,
  isIntrospectionType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql';
import type { Config } from '../lib/config.js';
import { rejections } from '../lib/metrics.js';
import { isAsyncIterable } from '../lib/stoppable.js';

export const QUERY_LIMITS = {
  // ~10× GraphiQL's full introspection query (184 tokens); PPTist documents travel as variables,
  // which are not tokens, so only hand-written or hostile documents come near this.
  maxTokens: 2000,
  // The deepest real query is 6 (me → decks → owner → decks → owner → name): 2 levels of headroom
  // for new fields; wider User ↔ Deck recursion is stopped by maxCost. Introspection's `ofType` is free.
  maxDepth: 8,
  // A dashboard fetching a screenful of decks by id (`d1: deck(id: …)`) needs about 20.
  maxAliases: 30,
  // @include/@skip on a few fields is normal; hundreds only serve to slow down validation.
  maxDirectives: 50,
  // Over 2× the costliest real request (a full page of 100 images with owners ≈ 1,300; a user's
  // decks with owners ≈ 50–350), while three nested lists (10 × 10 × 10 decks) are refused.
  maxCost: 3000,
  // Assumed length of a list field with no first/limit/last (a user's decks are tens, not thousands).
  defaultListSize: 10,
  // Pages are capped at 100 by the services; a bigger or unknown (variable) page size costs this.
  maxListSize: 100,
} as const;

export type QueryLimits = { readonly [K in keyof typeof QUERY_LIMITS]: number };

/** The `extensions.code` of each refusal; its lower-case form is the metric's `reason`. */
export const LIMIT_CODES = {
  maxTokens: 'TOO_MANY_TOKENS',
  maxDepth: 'QUERY_TOO_DEEP',
  maxAliases: 'TOO_MANY_ALIASES',
  maxDirectives: 'TOO_MANY_DIRECTIVES',
  maxCost: 'QUERY_TOO_COMPLEX',
} as const;
type LimitCode = (typeof LIMIT_CODES)[keyof typeof LIMIT_CODES];
const LIMIT_CODE_SET: ReadonlySet<string> = new Set(Object.values(LIMIT_CODES));

function limitError(code: LimitCode, message: string, limit: number, actual: number | undefined, node?: OperationDefinitionNode) {
  return new GraphQLError(message, {
    ...(node && { nodes: node }),
    extensions: { code, limit, ...(actual !== undefined && { actual }), http: { status: 400 } },
  });
}

// ---------------------------------------------------------------------------------------------
// Tokens

// graphql 16 says "more that" (sic); the test pins the message so an upgrade that rewords it fails.
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;
type ParseFn = typeof parse;

/**
 * `parseFn` with graphql's token limit: the lexer stops at the limit instead of building the whole
 * AST, and the parser's syntax error becomes a coded TOO_MANY_TOKENS.
 */
export function tokenLimitedParse(parseFn: ParseFn, maxTokens: number): ParseFn {
  return (source, options) => {
    try {
      return parseFn(source, { ...options, maxTokens: Math.min(maxTokens, options?.maxTokens ?? Infinity) });
    } catch (error) {
      if (error instanceof GraphQLError && TOKEN_LIMIT_MESSAGE.test(error.message)) {
        throw limitError(LIMIT_CODES.maxTokens, `Query has more than ${maxTokens} tokens, the limit`, maxTokens, undefined);
      }
      throw error;
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Depth, aliases, directives, cost

export interface QueryMeasurements {
  depth: number;
  aliases: number;
  directives: number;
  cost: number;
}

const NOTHING: QueryMeasurements = { depth: 0, aliases: 0, directives: 0, cost: 0 };
const PAGE_ARGUMENTS = ['first', 'last', 'limit'];
const INTROSPECTION_TYPES = new Map<string, GraphQLNamedType>(introspectionTypes.map((type) => [type.name, type]));

/**
 * Measures each operation of a document, following fragment spreads (each fragment measured once,
 * so repeated spreads cannot blow up; cycles count as nothing, and validation rejects them anyway).
 *
 * - depth: nested fields; inline fragments and spreads add none, nor does introspection's `ofType`
 *   (a chain of type wrappers, no fan-out), so GraphiQL's introspection query is depth 6.
 * - cost: 1 per field, list fields multiply their children by their page size (a literal
 *   first/limit/last capped at maxListSize, a variable at maxListSize, the argument's default, or
 *   defaultListSize); introspection costs nothing (answered from the router's memory).
 *   Without a schema, only fields with a page argument count as lists.
 */
export function measureDocument(
  document: DocumentNode,
  schema?: GraphQLSchema,
  limits: Pick<QueryLimits, 'defaultListSize' | 'maxListSize'> = QUERY_LIMITS,
): Map<OperationDefinitionNode, QueryMeasurements> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measuredFragments = new Map<string, QueryMeasurements>();
  const inProgress = new Set<string>();

  const typeNamed = (name: string) => schema?.getType(name) ?? INTROSPECTION_TYPES.get(name);

  function fieldDefinition(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  }

  function pageSize(field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): number {
    for (const name of PAGE_ARGUMENTS) {
      const argument = field.arguments?.find((arg) => arg.name.value === name);
      if (argument) {
        // The validation result is cached per document: a variable's value is not known here.
        const requested = argument.value.kind === Kind.INT ? Number(argument.value.value) : limits.maxListSize;
        return Math.max(0, Math.min(requested, limits.maxListSize));
      }
      const fallback = definition?.args.find((arg) => arg.name === name)?.defaultValue;
      if (typeof fallback === 'number') return Math.max(0, Math.min(fallback, limits.maxListSize));
    }
    return limits.defaultListSize;
  }

  function isList(field: FieldNode, definition: GraphQLField<unknown, unknown> | undefined): boolean {
    if (!definition) return field.arguments?.some((arg) => PAGE_ARGUMENTS.includes(arg.name.value)) ?? false;
    const type = isNonNullType(definition.type) ? definition.type.ofType : definition.type;
    return isListType(type);
  }

  function measureField(field: FieldNode, parent: GraphQLNamedType | undefined): QueryMeasurements {
    const name = field.name.value;
    const definition = fieldDefinition(parent, name);
    let childType: GraphQLNamedType | undefined;
    if (definition) {
      let type = definition.type;
      while (isNonNullType(type) || isListType(type)) type = type.ofType;
      childType = type;
    }
    const children = field.selectionSet ? measureSelections(field.selectionSet, childType) : NOTHING;
    const introspection =
      name === SchemaMetaFieldDef.name || name === TypeMetaFieldDef.name || (parent !== undefined && isIntrospectionType(parent));
    return {
      depth: children.depth + (introspection && name === 'ofType' ? 0 : 1),
      aliases: children.aliases + (field.alias ? 1 : 0),
      directives: children.directives + (field.directives?.length ?? 0),
      cost: introspection ? 0 : 1 + (isList(field, definition) ? pageSize(field, definition) : 1) * children.cost,
    };
  }

  function measureFragment(name: string): QueryMeasurements {
    const known = measuredFragments.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || inProgress.has(name)) return NOTHING;
    inProgress.add(name);
    const inner = measureSelections(fragment.selectionSet, typeNamed(fragment.typeCondition.name.value));
    inProgress.delete(name);
    const measured = { ...inner, directives: inner.directives + (fragment.directives?.length ?? 0) };
    measuredFragments.set(name, measured);
    return measured;
  }

  function measureSelection(selection: SelectionNode, parent: GraphQLNamedType | undefined): QueryMeasurements {
    switch (selection.kind) {
      case Kind.FIELD:
        return measureField(selection, parent);
      case Kind.INLINE_FRAGMENT: {
        const type = selection.typeCondition ? typeNamed(selection.typeCondition.name.value) : parent;
        const inner = measureSelections(selection.selectionSet, type);
        return { ...inner, directives: inner.directives + (selection.directives?.length ?? 0) };
      }
      case Kind.FRAGMENT_SPREAD: {
        const inner = measureFragment(selection.name.value);
        return { ...inner, directives: inner.directives + (selection.directives?.length ?? 0) };
      }
    }
  }

  function measureSelections(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): QueryMeasurements {
    const total = { ...NOTHING };
    for (const selection of selectionSet.selections) {
      const measured = measureSelection(selection, parent);
      total.depth = Math.max(total.depth, measured.depth);
      total.aliases += measured.aliases;
      total.directives += measured.directives;
      total.cost += measured.cost;
    }
    return total;
  }

  const results = new Map<OperationDefinitionNode, QueryMeasurements>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema?.getRootType(definition.operation) ?? undefined;
    const inner = measureSelections(definition.selectionSet, root);
    const variableDirectives = definition.variableDefinitions?.reduce((sum, v) => sum + (v.directives?.length ?? 0), 0) ?? 0;
    results.set(definition, { ...inner, directives: inner.directives + (definition.directives?.length ?? 0) + variableDirectives });
  }
  return results;
}

const MEASURED_LIMITS = [
  { limit: 'maxDepth', measure: 'depth', says: (found: number, max: number) => `Query depth ${found} exceeds the limit of ${max}` },
  { limit: 'maxAliases', measure: 'aliases', says: (found: number, max: number) => `Query uses ${found} aliases; the limit is ${max}` },
  { limit: 'maxDirectives', measure: 'directives', says: (found: number, max: number) => `Query uses ${found} directives; the limit is ${max}` },
  { limit: 'maxCost', measure: 'cost', says: (found: number, max: number) => `Query cost ${found} exceeds the limit of ${max}` },
] as const satisfies readonly { limit: keyof typeof LIMIT_CODES; measure: keyof QueryMeasurements; says: unknown }[];

/** The limits other than tokens, as one validation rule (one pass over the document). */
export function createQueryLimitsRule(limits: QueryLimits = QUERY_LIMITS): ValidationRule {
  return function QueryLimitsRule(context) {
    return {
      Document(document) {
        for (const [operation, measured] of measureDocument(document, context.getSchema(), limits)) {
          for (const { limit, measure, says } of MEASURED_LIMITS) {
            const found = measured[measure];
            if (found > limits[limit]) {
              context.reportError(limitError(LIMIT_CODES[limit], says(found, limits[limit]), limits[limit], found, operation));
            }
          }
        }
        return false;
      },
    };
  };
}

// ---------------------------------------------------------------------------------------------
// The plugin

/** Counts each refusal reason once per request (not once per cached document); true if any. */
function countRefusals(errors: readonly unknown[] | undefined): boolean {
  const reasons = new Set<string>();
  for (const error of errors ?? []) {
    const code = error instanceof GraphQLError ? error.extensions.code : undefined;
    if (typeof code === 'string' && LIMIT_CODE_SET.has(code)) reasons.add(code.toLowerCase());
  }
  for (const reason of reasons) rejections.inc({ layer: 'router', reason });
  return reasons.size > 0;
}

/**
 * The query limits for the gateway (or any yoga server). Refusals are counted around the request's
 * params handler: yoga caches parse errors and validation results per document, so hooks inside
 * parse/validate would see a repeated hostile query only once.
 */
export function useSecurityLimits(limits: QueryLimits = QUERY_LIMITS): GatewayPlugin {
  const rule = createQueryLimitsRule(limits);
  return {
    onParams({ paramsHandler, setParamsHandler }) {
      setParamsHandler(async (payload) => {
        try {
          const result = await paramsHandler(payload);
          if (isAsyncIterable(result) || !countRefusals(result.errors)) return result;
          // A refusal is a 400 whatever the Accept header: for `application/json` yoga would answer
          // parse and validation errors with 200 (GraphQL-over-HTTP's legacy mode), and forces the
          // errors' own `http.spec` back on, so the status is set on the result (yoga strips it).
          return { ...result, extensions: { ...result.extensions, http: { ...result.extensions?.http, status: 400 } } };
        } catch (error) {
          countRefusals([error]);
          throw error;
        }
      });
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn(tokenLimitedParse(parseFn, limits.maxTokens));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Production hardening

// graphql-js ends messages with ` Did you mean "a", "b", or "c"?` (or `the enum value "X"`, or
// `to use an inline fragment on "T"`): names a caller without introspection should not learn.
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

function withoutSuggestion<E extends Error>(error: E): E | GraphQLError {
  if (!(error instanceof GraphQLError) || !error.message.includes('Did you mean')) return error;
  return new GraphQLError(error.message.replace(SUGGESTION, ''), {
    ...(error.nodes && { nodes: error.nodes }),
    ...(error.source && { source: error.source }),
    ...(error.positions && { positions: error.positions }),
    ...(error.path && { path: error.path }),
    ...(error.originalError && { originalError: error.originalError }),
    extensions: error.extensions,
  });
}

/** Strips "Did you mean …" from validation errors and from execution errors (variable coercion). */
export function useHiddenSuggestions(): GatewayPlugin {
  return {
    onValidate() {
      return ({ result, setResult }) => {
        if (result.some((error) => error.message.includes('Did you mean'))) setResult(result.map(withoutSuggestion));
      };
    },
    onExecutionResult({ result, setResult }) {
      if (!result || isAsyncIterable(result) || !result.errors?.length) return;
      const errors = result.errors.map(withoutSuggestion);
      if (errors.some((error, i) => error !== result.errors?.[i])) setResult({ ...result, errors } as ExecutionResult);
    },
  };
}

export interface ProductionHardening {
  // `any`, as in the gateway's own types, so the fragment fits a gateway of any context type.
  options: Pick<GatewayConfigBase<Record<string, any>>, 'disableIntrospection' | 'maskedErrors' | 'csrfPrevention'>;
  plugins: GatewayPlugin[];
}

/**
 * What production adds to the gateway: no introspection, no field suggestions, masked unexpected
 * errors and CSRF prevention. Development keeps GraphiQL's introspection and suggestions.
 */
export function productionHardening(nodeEnv: Config['NODE_ENV']): ProductionHardening {
  if (nodeEnv !== 'production') return { options: { maskedErrors: true }, plugins: [] };
  return {
    options: {
      disableIntrospection: {},
      maskedErrors: true,
      // A request is let through when its content type forces a CORS preflight (application/json)
      // or it carries one of these headers, which a cross-site form or <img> cannot set. Never list
      // `content-type`: a form's text/plain POST has one, which would switch the protection off.
      csrfPrevention: { requestHeaders: ['x-graphql-client-name', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-graphql-yoga-csrf'] },
    },
    plugins: [useHiddenSuggestions()],
  };
}
