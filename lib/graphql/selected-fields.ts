import { BREAK, type DocumentNode, type GraphQLSchema, TypeInfo, visit, visitWithTypeInfo } from 'graphql';

/**
 * Whether `accept(parentType, field)` holds for every field the document selects (in every
 * operation and fragment), with types from `schema`; stops at the first that does not.
 */
export function everySelectedField(schema: GraphQLSchema, document: DocumentNode, accept: (parentType: string, field: string) => boolean): boolean {
  const typeInfo = new TypeInfo(schema);
  let accepted = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (parent && !accept(parent.name, node.name.value)) {
          accepted = false;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return accepted;
}
