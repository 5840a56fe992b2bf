import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useUsers } from "../api/queries";
import { SearchIcon } from "../components/Icons";
import { Pagination } from "../components/Pagination";
import { ErrorNote, Loading } from "../components/Status";
import { UserRow } from "../components/UserRow";
import { useDebounced } from "../lib/useDebounced";
import { usePager } from "../lib/usePager";
import { useTitle } from "../lib/useTitle";
import { useEffect } from "react";

export default function UsersPage() {
  useTitle("People");
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(params.get("login") ?? "");
  const prefix = useDebounced(search.trim(), 300);
  useEffect(() => {
    setParams(prefix ? { login: prefix } : {}, { replace: true });
  }, [prefix, setParams]);
  const pager = usePager(prefix);
  const users = useUsers(prefix, { limit: 30, cursor: pager.cursor });
  return (
    <div className="page users">
      <h1>People</h1>
      <form role="search" onSubmit={(e) => e.preventDefault()} className="filters">
        <div className="field search-field">
          <label htmlFor="user-search">Find people by login</label>
          <div className="input-icon">
            <SearchIcon />
            <input id="user-search" type="search" value={search} maxLength={32} onChange={(e) => setSearch(e.target.value)} />
          </div>
        </div>
      </form>
      {users.isPending ? (
        <Loading what="Loading people" />
      ) : users.isError ? (
        <ErrorNote error={users.error} retry={() => void users.refetch()} />
      ) : users.data.items.length === 0 ? (
        <p>No one's login starts with “{prefix}”.</p>
      ) : (
        <>
          <ul className="user-list">
            {users.data.items.map((u) => (
              <li key={u.id}>
                <UserRow user={u} />
              </li>
            ))}
          </ul>
          <Pagination pager={pager} info={users.data.info} label="People pages" />
        </>
      )}
    </div>
  );
}
