import { Link } from "react-router-dom";
import type { Me } from "../api/client";
import { useFeed } from "../api/queries";
import { Pagination } from "../components/Pagination";
import { ReviewList } from "../components/ReviewItem";
import { RequireAuth } from "../components/RequireAuth";
import { ErrorNote, Loading } from "../components/Status";
import { usePager } from "../lib/usePager";
import { useTitle } from "../lib/useTitle";

export default function FeedPage() {
  useTitle("Your feed");
  return <RequireAuth>{(me) => <Feed me={me} />}</RequireAuth>;
}

function Feed({ me }: { me: Me }) {
  const pager = usePager(me.id);
  const feed = useFeed(me.id, { limit: 20, cursor: pager.cursor });
  return (
    <div className="page feed">
      <h1>Your feed</h1>
      <p className="muted">The latest reviews of the people you follow.</p>
      {feed.isPending ? (
        <Loading what="Loading your feed" />
      ) : feed.isError ? (
        <ErrorNote error={feed.error} retry={() => void feed.refetch()} />
      ) : feed.data.items.length === 0 ? (
        <p>
          Nothing here yet. <Link to="/users">Find people to follow</Link>.
        </p>
      ) : (
        <>
          <ReviewList reviews={feed.data.items} empty="" />
          <Pagination pager={pager} info={feed.data.info} label="Feed pages" />
        </>
      )}
    </div>
  );
}
