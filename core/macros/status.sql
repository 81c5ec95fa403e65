-- response_status(needs_response, first_response_at, deadline_at, as_of): SPEC §2 status of one item as
-- seen at `as_of`: NULL when no response is needed; 'met' / 'breached' once a reply (response_sent or
-- signposted) exists at as_of; without one, 'breached' once the deadline has passed, else 'pending'.
-- A reply later than as_of is not yet known at as_of, so the status only ever moves pending → met/breached.
CREATE OR REPLACE TEMP MACRO response_status(needs_response, first_response_at, deadline_at, as_of) AS
CASE WHEN NOT coalesce(needs_response, false) THEN NULL
     WHEN first_response_at IS NOT NULL AND first_response_at <= as_of
          THEN CASE WHEN first_response_at <= deadline_at THEN 'met' ELSE 'breached' END
     WHEN as_of > deadline_at THEN 'breached'
     ELSE 'pending' END;
