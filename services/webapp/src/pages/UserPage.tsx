import { useState } from "react";
import { useParams } from "react-router-dom";
import type { Me, User } from "../api/client";
import { errorMessage } from "../api/problem";
import {
  isNotFound,
  useFollow,
  useFollowers,
  useFollows,
  useIsFollowing,
  useMe,
  useUser,
  useUserReviews,
} from "../api/queries";
import { Avatar } from "../components/Avatar";
import { FormError } from "../components/Field";
import { Pagination } from "../components/Pagination";
import { ReviewList } from "../components/ReviewItem";
import { ErrorNote, Loading } from "../components/Status";
import { UserRow } from "../components/UserRow";
import { formatDate, plural } from "../lib/format";
import { usePager } from "../lib/usePager";
import { useTitle } from "../lib/useTitle";
import { NotFoundPage } from "./NotFoundPage";

type Tab = "reviews" | "followers" | "follows";

export default function UserPage() {
  const { userId = "" } = useParams();
  const user = useUser(userId);
  const me = useMe();
  const [tab, setTab] = useState<Tab>("reviews");
  useTitle(user.data?.login);
  if (user.isPending) return <Loading what="Loading the profile" />;
  if (user.isError) {
    if (isNotFound(user.error)) return <NotFoundPage what="person" />;
    return <ErrorNote error={user.error} retry={() => void user.refetch()} />;
  }
  const u = user.data;
  const counts = u.counts;
  const tabs: { id: Tab; label: string }[] = [
    { id: "reviews", label: plural(counts?.reviews, "review") },
    { id: "followers", label: plural(counts?.followers, "follower") },
    { id: "follows", label: `${counts?.follows ?? "–"} following` },
  ];
  return (
    <div className="page user">
      <header className="profile">
        <Avatar url={u.avatar_url} login={u.login} size={96} />
        <div>
          <h1>{u.name || u.login}</h1>
          <p className="muted">
            @{u.login} · joined {formatDate(u.created_at)}
          </p>
          {me.data && me.data.id !== u.id ? <FollowButton user={u} me={me.data} /> : null}
          {me.data?.id === u.id ? <p className="muted">This is you.</p> : null}
        </div>
      </header>
      <div className="tabs" role="tablist" aria-label="Profile sections">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              const i = tabs.findIndex((x) => x.id === tab);
              const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
              if (step) {
                const next = tabs[(i + step + tabs.length) % tabs.length]!;
                setTab(next.id);
                document.getElementById(`tab-${next.id}`)?.focus();
              }
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} tabIndex={0}>
        {tab === "reviews" ? <UserReviews userId={u.id} /> : <FollowList userId={u.id} which={tab} />}
      </div>
    </div>
  );
}

function FollowButton({ user, me }: { user: User; me: Me }) {
  const following = useIsFollowing(user.id, me.id);
  const follow = useFollow(user.id, me.id);
  if (following.isPending) return null;
  const is = following.data === true;
  return (
    <>
      <button
        type="button"
        className={is ? "" : "primary"}
        aria-pressed={is}
        disabled={follow.isPending}
        onClick={() => follow.mutate(!is)}
      >
        {is ? "Unfollow" : "Follow"}
      </button>
      <FormError message={follow.error ? errorMessage(follow.error) : null} />
    </>
  );
}

function UserReviews({ userId }: { userId: string }) {
  const pager = usePager(userId);
  const reviews = useUserReviews(userId, { limit: 10, cursor: pager.cursor });
  if (reviews.isPending) return <Loading what="Loading reviews" />;
  if (reviews.isError) return <ErrorNote error={reviews.error} retry={() => void reviews.refetch()} />;
  return (
    <>
      <ReviewList reviews={reviews.data.items} show="movie" empty="No reviews yet." />
      <Pagination pager={pager} info={reviews.data.info} label="Review pages" />
    </>
  );
}

function FollowList({ userId, which }: { userId: string; which: "followers" | "follows" }) {
  const pager = usePager(`${userId}:${which}`);
  const followers = useFollowers(userId, { limit: 20, cursor: pager.cursor });
  const follows = useFollows(userId, { limit: 20, cursor: pager.cursor });
  const list = which === "followers" ? followers : follows;
  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorNote error={list.error} retry={() => void list.refetch()} />;
  const entries = list.data.items.filter((e) => e.user);
  return (
    <>
      {entries.length === 0 ? (
        <p className="muted">{which === "followers" ? "No followers yet." : "Not following anyone yet."}</p>
      ) : (
        <ul className="user-list">
          {entries.map((e) => (
            <li key={e.user!.id}>
              <UserRow user={e.user!} note={`since ${formatDate(e.followed_at)}`} />
            </li>
          ))}
        </ul>
      )}
      <Pagination pager={pager} info={list.data.info} label={`${which} pages`} />
    </>
  );
}
