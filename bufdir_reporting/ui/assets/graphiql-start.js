// Starts GraphiQL against this service: queries and mutations over HTTP, subscriptions over the
// graphql-transport-ws websocket at the same address. The headers pane's headers go with both
// (for the websocket, in the connection_init payload, which is where the service reads the token).
// They are not kept in the browser's localStorage, where any script of this origin (and whoever
// uses the machine after) would find the bearer token: a reload asks for it again. Besides
// shouldPersistHeaders, that takes a storage of our own: GraphiQL 3.8's history keeps every run's
// headers (graphiql:queries, graphiql:favorites) whatever shouldPersistHeaders says.
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

function withoutHeaders(value) {
  let stored;
  try {
    stored = JSON.parse(value);
  } catch (_) {
    return value;
  }
  if (stored === null || typeof stored !== "object" || Array.isArray(stored)) return value;
  for (const [name, items] of Object.entries(stored)) {
    if (Array.isArray(items)) stored[name] = items.map(({ headers, ...kept }) => kept);
  }
  return JSON.stringify(stored);
}

const OURS = "graphiql:";
const storage = {
  getItem: (key) => localStorage.getItem(key),
  setItem: (key, value) => localStorage.setItem(key, withoutHeaders(value)),
  removeItem: (key) => localStorage.removeItem(key),
  get length() {
    return Object.keys(localStorage).filter((key) => key.startsWith(OURS)).length;
  },
  clear: () => Object.keys(localStorage).filter((key) => key.startsWith(OURS)).forEach((key) => localStorage.removeItem(key)),
};

function Page() {
  const explorer = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
  return React.createElement(GraphiQL, {
    fetcher,
    storage,
    plugins: [explorer],
    defaultQuery: WELCOME,
    query: parameters.get("q") || undefined,
    variables: parameters.get("v") || undefined,
    onEditQuery: (query) => rememberInURL("q", query),
    onEditVariables: (variables) => rememberInURL("v", variables),
    defaultEditorToolsVisibility: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Page));
