// Starts GraphiQL against this service: queries and mutations over HTTP, subscriptions over the
// graphql-transport-ws websocket at the same address. The headers pane's headers go with both
// (for the websocket, in the connection_init payload, which is where the service reads the token).
"use strict";

const WELCOME = `# Bufdir reporting API
#
# Periods and the report structure are public.
# Everything about an organisation needs a token:
# put it in the Headers pane below as
#
#   {"Authorization": "Bearer <token>"}
#
# \`make run\` prints one; make more with
# \`bufdir-reporting token\`. Run with Ctrl-Enter;
# Ctrl-Space completes; Docs (top left) lists
# every type and field.

query FirstLook {
  organizations(first: 3) {
    totalCount
    edges {
      node {
        organizationId
        name
        snapshots(first: 1) {
          edges {
            node {
              period { periodId name }
              status
              populatedFieldCount
              fieldCount
              metrics { activityCount uniqueParticipants }
              sections {
                section { title }
                fieldValues { label value priorValue change }
              }
            }
          }
        }
      }
    }
  }
}
`;

const parameters = new URLSearchParams(window.location.search);

function rememberInURL(name, value) {
  if (value) parameters.set(name, value);
  else parameters.delete(name);
  const search = parameters.toString();
  history.replaceState(null, "", search ? "?" + search : window.location.pathname);
}

const httpURL = window.location.href.split("?")[0].split("#")[0];
const socketURL = httpURL.replace(/^http/, "ws");

const fetcher = GraphiQL.createFetcher({ url: httpURL, subscriptionUrl: socketURL });

function Page() {
  const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
  return React.createElement(GraphiQL, {
    fetcher,
    plugins: [explorer],
    defaultQuery: WELCOME,
    query: parameters.get("q") || undefined,
    variables: parameters.get("v") || undefined,
    onEditQuery: (query) => rememberInURL("q", query),
    onEditVariables: (variables) => rememberInURL("v", variables),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
    inputValueDeprecation: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Page));
