package policy

import "github.com/hashicorp/hcl/v2"

// The raw HCL schema, decoded with gohcl. Optional attributes are pointers
// so that an absent one takes its default; every block keeps its body, so
// that a value found wrong after decoding is reported at its own
// line:column (see valueRange).

type rawFile struct {
	Gateway    *rawGateway       `hcl:"gateway,block"`
	P1         []rawP1Listener   `hcl:"p1_listener,block"`
	SMTP       []rawSMTPListener `hcl:"smtp_listener,block"`
	Admin      *rawAdmin         `hcl:"admin_listener,block"`
	Peers      []rawPeer         `hcl:"x400_peer,block"`
	Relays     []rawRelay        `hcl:"smtp_relay,block"`
	Users      []rawUser         `hcl:"smtp_user,block"`
	Routing    *rawRouting       `hcl:"routing,block"`
	Tables     *rawTables        `hcl:"tables,block"`
	Precedence *rawPrecedence    `hcl:"precedence,block"`
	Limits     *rawLimits        `hcl:"limits,block"`
	Queue      *rawQueue         `hcl:"queue,block"`
	Audit      *rawAudit         `hcl:"audit,block"`
}

type rawGateway struct {
	MTAName      string    `hcl:"mta_name"`
	Password     string    `hcl:"password"`
	GlobalDomain string    `hcl:"global_domain"`
	ORAddress    string    `hcl:"or_address"`
	Domain       string    `hcl:"domain"`
	SMTPHostname *string   `hcl:"smtp_hostname"`
	Body         hcl.Body  `hcl:",body"`
	DefRange     hcl.Range `hcl:",def_range"`
}

type rawP1Listener struct {
	Name            string    `hcl:"name,label"`
	Address         string    `hcl:"address"`
	Modes           *[]string `hcl:"modes"`
	DialogueModes   *[]string `hcl:"dialogue_modes"`
	RecoveryTimeout *string   `hcl:"recovery_timeout"`
	IdleTimeout     *string   `hcl:"idle_timeout"`
	MaxAssociations *int      `hcl:"max_associations"`
	AcceptAny       *bool     `hcl:"accept_any"`
	Body            hcl.Body  `hcl:",body"`
	DefRange        hcl.Range `hcl:",def_range"`
}

type rawSMTPListener struct {
	Name            string    `hcl:"name,label"`
	Address         string    `hcl:"address"`
	TLSCert         *string   `hcl:"tls_cert"`
	TLSKey          *string   `hcl:"tls_key"`
	StartTLS        *string   `hcl:"starttls"`
	Submission      *bool     `hcl:"submission"`
	TrustedNetworks *[]string `hcl:"trusted_networks"`
	DelayedAckMax   *string   `hcl:"delayed_ack_max"`
	MaxConnections  *int      `hcl:"max_connections"`
	Body            hcl.Body  `hcl:",body"`
	DefRange        hcl.Range `hcl:",def_range"`
}

type rawAdmin struct {
	Address   string    `hcl:"address"`
	TokenFile *string   `hcl:"token_file"`
	Body      hcl.Body  `hcl:",body"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type rawPeer struct {
	Name             string    `hcl:"name,label"`
	Password         string    `hcl:"password"`
	BindPassword     *string   `hcl:"bind_password"`
	Address          string    `hcl:"address"`
	AcceptFrom       *string   `hcl:"accept_from"`
	TSelector        *string   `hcl:"t_selector"`
	SSelector        *string   `hcl:"s_selector"`
	PSelector        *string   `hcl:"p_selector"`
	Mode             *string   `hcl:"mode"`
	DialogueMode     *string   `hcl:"dialogue_mode"`
	Permanent        *int      `hcl:"permanent"`
	MaxAssociations  *int      `hcl:"max_associations"`
	RecoveryAttempts *int      `hcl:"recovery_attempts"`
	Body             hcl.Body  `hcl:",body"`
	DefRange         hcl.Range `hcl:",def_range"`
}

type rawRelay struct {
	Name     string    `hcl:"name,label"`
	Address  string    `hcl:"address"`
	StartTLS *string   `hcl:"starttls"`
	Username *string   `hcl:"auth_username"`
	Password *string   `hcl:"auth_password"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type rawUser struct {
	Name     string    `hcl:"name,label"`
	Password string    `hcl:"password"`
	Body     hcl.Body  `hcl:",body"`
	DefRange hcl.Range `hcl:",def_range"`
}

type rawRouting struct {
	LocalDomains *[]string  `hcl:"local_domains"`
	MXDelivery   *bool      `hcl:"mx_delivery"`
	X400Default  *string    `hcl:"x400_default"`
	SMTPDefault  *string    `hcl:"smtp_default"`
	Routes       []rawRoute `hcl:"route,block"`
	Body         hcl.Body   `hcl:",body"`
	DefRange     hcl.Range  `hcl:",def_range"`
}

type rawRoute struct {
	ORAddress *string   `hcl:"or_address"`
	Domain    *string   `hcl:"domain"`
	Via       string    `hcl:"via"`
	Body      hcl.Body  `hcl:",body"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type rawTables struct {
	DomainToOR      *string   `hcl:"domain_to_or"`
	ORToDomain      *string   `hcl:"or_to_domain"`
	DomainToGateway *string   `hcl:"domain_to_gateway"`
	ORToGateway     *string   `hcl:"or_to_gateway"`
	Body            hcl.Body  `hcl:",body"`
	DefRange        hcl.Range `hcl:",def_range"`
}

type rawPrecedence struct {
	MTPriorityPolicy *string   `hcl:"mt_priority_policy"`
	Civil            *rawCivil `hcl:"civil,block"`
	Lanes            []rawLane `hcl:"lane,block"`
	Body             hcl.Body  `hcl:",body"`
	DefRange         hcl.Range `hcl:",def_range"`
}

type rawCivil struct {
	NonUrgent string    `hcl:"non_urgent"`
	Normal    string    `hcl:"normal"`
	Urgent    string    `hcl:"urgent"`
	Body      hcl.Body  `hcl:",body"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type rawLane struct {
	Name               string    `hcl:"name,label"`
	Retry              *[]string `hcl:"retry"`
	MaxAge             *string   `hcl:"max_age"`
	Workers            *int      `hcl:"workers"`
	Connections        *int      `hcl:"connections"`
	DeliveryAckTimeout *string   `hcl:"delivery_ack_timeout"`
	ReadAckTimeout     *string   `hcl:"read_ack_timeout"`
	Body               hcl.Body  `hcl:",body"`
	DefRange           hcl.Range `hcl:",def_range"`
	LabelRange         hcl.Range `hcl:"name,label_range"`
}

type rawLimits struct {
	MessageSize     *string   `hcl:"message_size"`
	SMTPConnections *int      `hcl:"smtp_connections"`
	P1Associations  *int      `hcl:"p1_associations"`
	LineLength      *int      `hcl:"line_length"`
	PDUSize         *string   `hcl:"pdu_size"`
	Body            hcl.Body  `hcl:",body"`
	DefRange        hcl.Range `hcl:",def_range"`
}

type rawQueue struct {
	Directory *string   `hcl:"directory"`
	Workers   *int      `hcl:"workers"`
	Body      hcl.Body  `hcl:",body"`
	DefRange  hcl.Range `hcl:",def_range"`
}

type rawAudit struct {
	Embedded          *string   `hcl:"embedded"`
	Postgres          *string   `hcl:"postgres"`
	LogDirectory      *string   `hcl:"log_directory"`
	RotateSize        *string   `hcl:"rotate_size"`
	RotateAge         *string   `hcl:"rotate_age"`
	Keep              *string   `hcl:"keep"`
	CorrelationWindow *string   `hcl:"correlation_window"`
	Body              hcl.Body  `hcl:",body"`
	DefRange          hcl.Range `hcl:",def_range"`
}
