package io.loomcluster.app.graphql;

import graphql.ExecutionResult;
import graphql.analysis.QueryTraverser;
import graphql.analysis.QueryVisitorFieldEnvironment;
import graphql.analysis.QueryVisitorStub;
import graphql.execution.AbortExecutionException;
import graphql.execution.ExecutionContext;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimpleInstrumentationContext;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.util.TraversalControl;

/**
 * Refuses an operation whose data fields nest deeper than a limit, before it runs. The subtrees of
 * {@code __schema} and {@code __type} are not counted: the standard introspection query that every
 * GraphQL tool sends nests {@code ofType} nine levels deep to unwrap types like {@code [[Int!]!]!},
 * and it reads the schema, not data. Those subtrees stay bounded by graphql-java's good-faith
 * introspection check (one {@code __schema}, one {@code __type}, no cycles through a type's fields)
 * and by the complexity limit, which counts every field.
 *
 * graphql-java's own {@code MaxQueryDepthInstrumentation} counts introspection like data, which is
 * why this class exists.
 */
final class DepthLimit extends SimplePerformantInstrumentation {
    private final int maxDepth;

    DepthLimit(int maxDepth) {
        this.maxDepth = maxDepth;
    }

    @Override
    public InstrumentationContext<ExecutionResult> beginExecuteOperation(InstrumentationExecuteOperationParameters parameters,
                                                                         InstrumentationState state) {
        int depth = depth(parameters.getExecutionContext());
        if (depth > maxDepth) {
            throw new AbortExecutionException("maximum query depth exceeded " + depth + " > " + maxDepth);
        }
        return SimpleInstrumentationContext.noOp();
    }

    static int depth(ExecutionContext context) {
        int[] deepest = {0};
        QueryTraverser.newQueryTraverser()
                .schema(context.getGraphQLSchema())
                .document(context.getDocument())
                .operationName(context.getExecutionInput().getOperationName())
                .coercedVariables(context.getCoercedVariables())
                .build()
                .visitPreOrder(new QueryVisitorStub() {
                    @Override
                    public TraversalControl visitFieldWithControl(QueryVisitorFieldEnvironment env) {
                        deepest[0] = Math.max(deepest[0], levels(env));
                        return isSchemaIntrospection(env) ? TraversalControl.ABORT : TraversalControl.CONTINUE;
                    }
                });
        return deepest[0];
    }

    private static boolean isSchemaIntrospection(QueryVisitorFieldEnvironment env) {
        String name = env.getField().getName();
        return env.getParentEnvironment() == null && ("__schema".equals(name) || "__type".equals(name));
    }

    private static int levels(QueryVisitorFieldEnvironment env) {
        int levels = 0;
        for (QueryVisitorFieldEnvironment e = env; e != null; e = e.getParentEnvironment()) {
            levels++;
        }
        return levels;
    }
}
